"""Spanish text material for the demo: names, organisation names and templates.

Everything here is plain data plus small helpers that take a ``numpy.random.Generator`` so the
output is reproducible from the demo seed. Templates are written the way people in Peru write
job ads and describe themselves (informal, short, sometimes without accents).
"""

from __future__ import annotations

from chamba.text import strip_accents

# fmt: off
FEMALE_NAMES: tuple[str, ...] = (
    "María", "Rosa", "Carmen", "Juana", "Ana", "Luz", "Elizabeth", "Milagros", "Yolanda", "Sonia",
    "Flor", "Gladys", "Lucía", "Diana", "Katherine", "Jessica", "Roxana", "Marisol", "Yesenia",
    "Nélida", "Maribel", "Karina", "Mariela", "Fiorella", "Valeria", "Camila", "Sofía", "Ximena",
    "Nicole", "Daniela", "Andrea", "Kiara", "Yanina", "Liz", "Melany", "Rocío", "Haydée", "Delia",
    "Nancy", "Luzmila", "Marleny", "Rut", "Zulema", "Ayelén", "Nayeli", "Sumaq", "Killa",
)
MALE_NAMES: tuple[str, ...] = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "César", "Víctor", "Jesús", "Pedro",
    "Manuel", "Julio", "Alberto", "Segundo", "Wilber", "Edwin", "Percy", "Richard", "Jhon",
    "Franklin", "Elvis", "Wilmer", "Ronald", "Alex", "Kevin", "Jean Pierre", "Diego", "Sebastián",
    "Mateo", "Renzo", "Brayan", "Anthony", "Jhonatan", "Raúl", "Fredy", "Hugo", "Teófilo",
    "Marco Antonio", "Yuri", "Abel", "Saúl", "Rony", "Efraín", "Amaru", "Inti", "Wálter",
)
SPANISH_SURNAMES: tuple[str, ...] = (
    "García", "Rodríguez", "Flores", "Sánchez", "Díaz", "Torres", "Ramírez", "Rojas", "Vásquez",
    "Castillo", "Chávez", "Gonzales", "Pérez", "Ramos", "López", "Mendoza", "Ruiz", "Cruz",
    "Vargas", "Salazar", "Gutiérrez", "Espinoza", "Reyes", "Morales", "Ortiz", "Medina", "Castro",
    "Aguilar", "Romero", "Herrera", "Silva", "Paredes", "Cárdenas", "Valverde", "Zapata",
    "Cabrera", "Alvarado", "Córdova", "Campos", "Núñez", "Carrasco", "Benites", "Saavedra",
)
ANDEAN_SURNAMES: tuple[str, ...] = (
    "Quispe", "Mamani", "Huamán", "Condori", "Ccahuana", "Huanca", "Apaza", "Choque", "Ticona",
    "Cusi", "Yupanqui", "Puma", "Ccori", "Layme", "Coaquira", "Chambi", "Ccallo", "Taipe", "Poma",
    "Cutipa", "Huayta", "Sullca", "Paucar", "Tito", "Inca", "Huarcaya", "Pari", "Limachi",
    "Chuquimia", "Atau", "Yauri", "Ñaupari", "Huillca", "Quilla",
)
OTHER_SURNAMES: tuple[str, ...] = ("Chang", "Wong", "Chiang", "Higa", "Nakamura", "Tello", "Li")

COMPANY_WORDS: tuple[str, ...] = (
    "Andino", "Del Sur", "Pacífico", "Los Andes", "Inti", "Sol de Oro", "Virgen de Chapi",
    "San Martín", "Señor de los Milagros", "Norte Grande", "Illari", "Wayna", "Kallpa",
    "Nuevo Perú", "Santa Rosa", "El Progreso", "Mi Perú", "Santa Cruz", "Ayni", "Tawa", "Qori",
    "Huascarán",
)
LEGAL_FORMS: tuple[str, ...] = ("S.A.C.", "E.I.R.L.", "S.A.", "S.R.L.", "S.A.A.")

#: Company name prefix by demo sector.
SECTOR_PREFIXES: dict[str, tuple[str, ...]] = {
    "agro": ("Agroexportadora", "Agrícola", "Fundo", "Agroindustrias"),
    "fishing": ("Pesquera", "Conservera", "Acuícola"),
    "mining": ("Minera", "Compañía Minera", "Contratistas Mineros"),
    "tourism": ("Hostal", "Restaurante", "Turismo", "Hotel", "Viajes"),
    "textile": ("Textiles", "Confecciones", "Tejidos", "Modas"),
    "ict": ("Soluciones Digitales", "Tech", "Software", "Sistemas"),
    "construction": ("Constructora", "Inmobiliaria", "Ingeniería y Obras"),
    "transport": ("Transportes", "Logística", "Courier"),
    "commerce": ("Comercial", "Distribuidora", "Bodega", "Market", "Inversiones"),
    "care": ("Servicios", "Cuidados", "Salón", "Clínica"),
    "office": ("Consultores", "Contact Center", "Servicios Empresariales", "Estudio Contable"),
    "education": ("Colegio", "Academia", "Centro Educativo"),
    "health": ("Clínica", "Policlínico", "Botica", "Centro Médico"),
    "manufacturing": ("Industrias", "Metalmecánica", "Panificadora", "Fábrica"),
    "security": ("Seguridad", "Vigilancia"),
    "other": ("Inversiones", "Servicios Generales", "Corporación"),
}

#: Training provider kinds: (name templates, Organisation.sector value).
PROVIDER_KINDS: dict[str, tuple[str, ...]] = {
    "cetpro": ("CETPRO {word}", "CETPRO {saint}", "Centro de Educación Técnico-Productiva {word}"),
    "institute": (
        "Instituto de Educación Superior Tecnológico {word}",
        "Centro de Formación Técnica Industrial de {dept}",
        "Instituto Técnico {word}",
    ),
    "ngo": ("Asociación {word} para el Desarrollo", "ONG {word}", "Fundación {word}"),
    "online_school": ("Academia Digital {word}", "Escuela Online {word}", "{word} Aprende"),
}
SAINTS: tuple[str, ...] = (
    "San José", "Santa Rosa de Lima", "San Martín de Porres", "Virgen del Carmen", "Señor de Luren",
    "San Francisco", "Sagrado Corazón", "Nuestra Señora de Guadalupe",
)

SECTOR_LABELS: dict[str, str] = {
    "agro": "agroexportación",
    "fishing": "pesca y procesamiento de productos hidrobiológicos",
    "mining": "minería",
    "tourism": "turismo y gastronomía",
    "textile": "confecciones textiles",
    "ict": "tecnología",
    "construction": "construcción",
    "transport": "transporte y logística",
    "commerce": "comercio",
    "care": "servicios personales",
    "office": "servicios empresariales",
    "education": "educación",
    "health": "salud",
    "manufacturing": "industria",
    "security": "seguridad",
    "other": "servicios",
}

TITLE_TEMPLATES: tuple[str, ...] = (
    "{occ}", "Se busca {occ_l}", "{occ} con experiencia", "Urgente: {occ_l}", "{occ} - {place}",
    "Se necesita {occ_l} para {place}", "{occ} ({contract})",
)
CONTRACT_WORDS: dict[str, str] = {
    "full_time": "tiempo completo",
    "part_time": "medio tiempo",
    "temporary": "por campaña",
    "internship": "prácticas",
    "freelance": "por recibo por honorarios",
    "daily": "pago diario",
}
OFFERS: dict[str, tuple[str, ...]] = {
    "full_time": (
        "ingreso a planilla con todos los beneficios de ley (EsSalud, CTS, gratificaciones)",
        "sueldo puntual, planilla desde el primer día y línea de carrera",
        "planilla, bonos por desempeño y capacitación constante",
    ),
    "part_time": ("horario flexible y pago quincenal", "medio tiempo, ideal para estudiantes"),
    "temporary": (
        "contrato por campaña, movilidad y almuerzo",
        "trabajo por temporada con posibilidad de renovación",
    ),
    "internship": ("subvención económica y certificado de prácticas",),
    "freelance": ("pago por recibo por honorarios, trabajo por proyectos",),
    "daily": ("pago diario al terminar la jornada", "pago semanal, trabajo inmediato"),
}
DESC_OPENERS: tuple[str, ...] = (
    "Empresa del rubro de {sector} ubicada en {place} requiere {occ_l}.",
    "Importante empresa de {sector} busca {occ_l} para {place}.",
    "{company} se encuentra en búsqueda de {occ_l}.",
    "Necesitamos {occ_l} con ganas de trabajar, zona {place}.",
)

COURSE_TITLES: tuple[str, ...] = (
    "Curso de {skill}", "Taller de {skill}", "{skill} desde cero", "Certificación en {skill}",
    "Programa de formación: {occ}", "{occ}: módulo {n}", "Curso práctico de {skill} y {skill2}",
)
#: Titles of a course that teaches more than two skills: named after the trade, so that no
#: skill it teaches looks unrelated to its title ("Liderazgo" in a "manejo de caja" course).
BROAD_COURSE_TITLES: tuple[str, ...] = (
    "Programa de formación: {occ}", "{occ}: módulo {n}", "Formación técnica en {occ_l}",
)

# --- self descriptions ---------------------------------------------------------------------

SELF_OPENERS: tuple[str, ...] = (
    "", "hola, ", "Hola soy {first}, ", "buenas, ", "Me llamo {first} ", "soy de {place}, ",
    "Buen día. ", "",
)
EXPERIENCE_PHRASES: tuple[str, ...] = (
    "trabajé {years} en {occ_l} en {place}",
    "tengo {years} de experiencia como {occ_l}",
    "he trabajado de {occ_l} {years}",
    "estuve {years} trabajando como {occ_l}",
    "mi experiencia es de {occ_l}, {years}",
    "trabajaba de {occ_l} en {place}",
)
SKILL_PHRASES: tuple[str, ...] = (
    "sé {skill}", "también sé {skill}", "manejo {skill}", "tengo experiencia en {skill}",
    "conozco de {skill}", "me defiendo en {skill}", "sé hacer {skill}", "manejo {skill} básico",
)
NO_EXPERIENCE: tuple[str, ...] = (
    "no tengo mucha experiencia pero aprendo rápido",
    "recién terminé el colegio",
    "estoy empezando, quiero aprender",
)
WISHES: dict[str, tuple[str, ...]] = {
    "full": ("busco trabajo estable", "busco algo a tiempo completo", "quiero entrar a planilla"),
    "part": ("busco algo medio tiempo", "solo puedo en las tardes", "busco chamba por horas"),
    "remote": ("me gustaría trabajar desde casa", "tengo laptop e internet para trabajo remoto"),
    "weekend": ("puedo trabajar fines de semana",),
    "any": (
        "disponibilidad inmediata", "cualquier cosa que sea honrada", "urgente necesito chamba",
    ),
}
EXTRAS: tuple[str, ...] = (
    "estudié en un CETPRO", "tengo moto propia", "soy responsable y puntual",
    "vivo cerca al mercado", "tengo brevete", "hablo quechua", "tengo dos hijos",
    "no terminé el colegio pero aprendo rápido", "tengo certificado de estudios",
)

# fmt: on


def years_text(years: float) -> str:
    """``"3 años"``, ``"un año"`` or ``"unos meses"`` as people say it."""
    if years < 1:
        return "unos meses"
    n = int(round(years))
    return "un año" if n == 1 else f"{n} años"


def pick(options: tuple[str, ...] | list[str], u: float) -> str:
    """The option a uniform draw ``u`` in [0, 1) falls on (draws are made in bulk, per chunk)."""
    return options[min(int(u * len(options)), len(options) - 1)]


_SHORTHAND = (("que", "q"), ("por", "x"), ("también", "tb"), ("porque", "xq"), ("para", "pa"))


def add_typos(text: str, u: tuple[float, float, float, float]) -> str:
    """Informal writing: sometimes no accents, chat shorthand, a swapped letter, all lower case.

    ``u`` holds four uniform draws. Only call it on filler segments, never on skill phrases.
    """
    if u[0] < 0.4:
        text = strip_accents(text)
    if u[1] < 0.25:
        for word, short in _SHORTHAND:
            text = text.replace(f" {word} ", f" {short} ")
    if u[2] < 0.12 and len(text) > 8:
        i = 1 + int(u[2] / 0.12 * (len(text) - 3))
        if text[i].isalpha() and text[i + 1].isalpha():
            text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if u[3] < 0.3:
        text = text.lower()
    return text


def ruc(number: int, prefix: str = "20") -> str:
    """A syntactically valid RUC (11 digits, SUNAT check digit) built from ``number``."""
    body = prefix + f"{number % 10**8:08d}"
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 1 if check == 11 else check
    return body + str(check)


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits only (for e-mail addresses and web sites)."""
    return "".join(c for c in strip_accents(text).lower() if c.isalnum())
