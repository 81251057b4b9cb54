"""A tiny taxonomy (20 occupations, ~50 skills) for tests and benchmarks of the demo.

The real catalogue lives in ``chamba.taxonomy``; this one only exists so the demo can be
exercised on a database where that catalogue has not been loaded. Ids start with ``sample-``
and rows carry ``source="sample"``, so they never clash with catalogue rows, and
:func:`chamba.demo.loader.read_catalogue` ignores them once catalogue occupations exist.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from chamba.taxonomy.models import Occupation, OccupationSkill, Skill
from chamba.text import normalize

# id: (label_es, label_en, type, sector, synonyms_es)
# fmt: off
SKILLS: dict[str, tuple[str, str, str, str, list[str]]] = {
    "cosecha": ("Cosecha de cultivos", "Crop harvesting", "skill", "agro",
                ["cosechar", "cosecha de espárragos", "recojo de uva"]),
    "poda": ("Poda de plantas", "Pruning", "skill", "agro", ["podar", "poda de frutales"]),
    "riego": ("Riego tecnificado", "Irrigation", "skill", "agro", ["riego por goteo", "regar"]),
    "agroquimicos": ("Manejo de agroquímicos", "Pesticide handling", "skill", "agro",
                     ["fumigar", "fumigación"]),
    "seleccion": ("Selección de fruta", "Fruit grading", "skill", "agro",
                  ["seleccionar fruta", "selección de palta"]),
    "empaque": ("Empaque de productos", "Packing", "skill", "agro", ["empacar", "packing"]),
    "inocuidad": ("Buenas prácticas de inocuidad", "Food safety practices", "knowledge", "agro",
                  ["BPM", "buenas prácticas de manufactura"]),
    "pesca": ("Pesca artesanal", "Artisanal fishing", "skill", "fishing", ["pescar", "pesca"]),
    "navegacion": ("Navegación costera", "Coastal navigation", "skill", "fishing",
                   ["manejar bote", "navegar"]),
    "redes-pesca": ("Reparación de redes", "Net mending", "skill", "fishing",
                    ["remendar redes", "tejer redes"]),
    "perforacion": ("Perforación de roca", "Rock drilling", "skill", "mining",
                    ["perforista", "perforar"]),
    "seguridad-minera": ("Seguridad minera", "Mine safety", "knowledge", "mining",
                         ["IPERC", "seguridad en mina"]),
    "maquinaria": ("Operación de maquinaria pesada", "Heavy machinery operation", "skill",
                   "mining", ["manejar cargador frontal", "operar excavadora"]),
    "historia-local": ("Historia y cultura local", "Local history", "knowledge", "tourism",
                       ["historia del Cusco", "cultura andina"]),
    "ingles": ("Inglés", "English", "language", "transversal", ["inglés básico", "hablo inglés"]),
    "cocina": ("Cocina peruana", "Peruvian cooking", "skill", "tourism",
               ["cocinar", "preparar menú", "cocina criolla"]),
    "alimentos": ("Manipulación de alimentos", "Food handling", "knowledge", "tourism",
                  ["manipulación de alimentos", "carné de sanidad"]),
    "atencion": ("Atención al cliente", "Customer service", "skill", "commerce",
                 ["atender clientes", "trato al cliente", "atención al público"]),
    "caja": ("Manejo de caja", "Cash handling", "skill", "commerce", ["cajera", "cuadrar caja"]),
    "ventas": ("Ventas", "Sales", "skill", "commerce",
               ["vender", "vendía ropa", "ventas al por menor"]),
    "costura": ("Costura", "Sewing", "skill", "textile", ["coser", "confección de prendas"]),
    "maquina-recta": ("Máquina de coser recta", "Lockstitch machine", "skill", "textile",
                      ["máquina recta", "recta industrial"]),
    "remalladora": ("Máquina remalladora", "Overlock machine", "skill", "textile",
                    ["remalle", "remalladora"]),
    "corte-tela": ("Corte de tela", "Fabric cutting", "skill", "textile",
                   ["cortar tela", "tizado"]),
    "programacion": ("Programación", "Programming", "skill", "ict",
                     ["programar", "Python", "JavaScript"]),
    "bases-datos": ("Bases de datos", "Databases", "knowledge", "ict", ["SQL", "MySQL"]),
    "git": ("Control de versiones con Git", "Git", "skill", "ict", ["git", "GitHub"]),
    "soporte": ("Soporte técnico", "Technical support", "skill", "ict",
                ["arreglar computadoras", "soporte de PC"]),
    "redes": ("Redes informáticas", "Computer networks", "knowledge", "ict",
              ["cableado de red", "configurar router"]),
    "excel": ("Microsoft Excel", "Microsoft Excel", "skill", "office",
              ["excel", "hojas de cálculo", "excel básico"]),
    "albanileria": ("Albañilería", "Masonry", "skill", "construction",
                    ["levantar muros", "asentar ladrillo", "tarrajeo"]),
    "planos": ("Lectura de planos", "Blueprint reading", "knowledge", "construction",
               ["leer planos"]),
    "seguridad-obra": ("Seguridad en obra", "Construction safety", "knowledge", "construction",
                       ["uso de EPP", "trabajo en altura"]),
    "conduccion": ("Conducción de vehículos", "Driving", "skill", "transport",
                   ["manejar carro", "manejar moto", "brevete"]),
    "rutas": ("Conocimiento de rutas", "Route knowledge", "knowledge", "transport",
              ["conozco la ciudad", "rutas de reparto"]),
    "mecanica": ("Mecánica básica", "Basic mechanics", "skill", "manufacturing",
                 ["mecánica", "arreglar motores"]),
    "diagnostico": ("Diagnóstico de motores", "Engine diagnostics", "skill", "manufacturing",
                    ["escáner automotriz", "diagnosticar fallas"]),
    "cuidado-ninos": ("Cuidado de niños", "Childcare", "skill", "care",
                      ["cuidar niños", "niñera"]),
    "primeros-auxilios": ("Primeros auxilios", "First aid", "skill", "health",
                          ["primeros auxilios", "RCP"]),
    "pacientes": ("Cuidado de pacientes", "Patient care", "skill", "health",
                  ["cuidar adultos mayores", "atención de pacientes"]),
    "redaccion": ("Redacción de documentos", "Document writing", "skill", "office",
                  ["redactar", "hacer informes"]),
    "archivo": ("Gestión de archivo", "Filing", "skill", "office",
                ["archivar", "ordenar documentos"]),
    "telefono": ("Atención telefónica", "Phone support", "skill", "office",
                 ["call center", "contestar llamadas"]),
    "ensenanza": ("Enseñanza", "Teaching", "skill", "education",
                  ["enseñar", "dar clases", "clases particulares"]),
    "planificacion": ("Planificación de clases", "Lesson planning", "knowledge", "education",
                      ["sesiones de aprendizaje"]),
    "vigilancia": ("Vigilancia", "Surveillance", "skill", "security",
                   ["seguridad", "resguardo", "hacer guardia"]),
    "trabajo-equipo": ("Trabajo en equipo", "Teamwork", "transversal", "transversal",
                       ["trabajar en equipo"]),
    "puntualidad": ("Puntualidad y responsabilidad", "Reliability", "transversal", "transversal",
                    ["soy puntual", "responsable"]),
    "comunicacion": ("Comunicación efectiva", "Communication", "transversal", "transversal",
                     ["buena comunicación", "me comunico bien"]),
}

# id: (isco, label_es, label_en, synonyms_es, essential, optional)
OCCUPATIONS: dict[str, tuple[str, str, str, list[str], list[str], list[str]]] = {
    "peon-agricola": ("9211", "Peón agrícola", "Farm labourer", ["jornalero", "obrero de campo"],
                      ["cosecha", "poda", "riego"], ["agroquimicos"]),
    "operario-packing": ("9321", "Operario de packing", "Packing operator", ["empacador de fruta"],
                         ["seleccion", "empaque", "inocuidad"], ["cosecha"]),
    "pescador": ("6222", "Pescador artesanal", "Fisher", ["pescador"],
                 ["pesca", "navegacion", "redes-pesca"], []),
    "operario-mina": ("8111", "Operario de mina", "Miner", ["minero", "perforista"],
                      ["perforacion", "seguridad-minera", "maquinaria"], ["primeros-auxilios"]),
    "guia-turismo": ("5113", "Guía de turismo", "Tour guide", ["guía"],
                     ["atencion", "historia-local", "ingles"], ["primeros-auxilios"]),
    "cocinero": ("5120", "Cocinero", "Cook", ["cocinera", "ayudante de cocina"],
                 ["cocina", "alimentos"], ["atencion"]),
    "mozo": ("5131", "Mozo", "Waiter", ["mesero", "moza"], ["atencion", "alimentos"], ["caja"]),
    "costurero": ("7533", "Costurero", "Sewing operator", ["costurera", "operario de confección"],
                  ["costura", "maquina-recta", "remalladora"], ["corte-tela"]),
    "desarrollador": ("2512", "Desarrollador de software", "Software developer", ["programador"],
                      ["programacion", "bases-datos", "git"], ["ingles"]),
    "soporte-ti": ("3512", "Técnico de soporte informático", "IT support technician",
                   ["técnico en computación"], ["soporte", "redes", "excel"], []),
    "albanil": ("7112", "Albañil", "Bricklayer", ["maestro de obra", "obrero de construcción"],
                ["albanileria", "planos", "seguridad-obra"], []),
    "conductor": ("8322", "Conductor", "Driver", ["chofer", "taxista", "repartidor"],
                  ["conduccion", "rutas"], ["mecanica"]),
    "vendedor": ("5223", "Vendedor de tienda", "Shop sales assistant", ["vendedora", "dependiente"],
                 ["ventas", "atencion", "caja"], ["excel"]),
    "cuidador": ("5311", "Cuidador de niños", "Child care worker", ["niñera"],
                 ["cuidado-ninos", "primeros-auxilios"], []),
    "asistente-admin": ("4110", "Asistente administrativo", "Administrative assistant",
                        ["auxiliar administrativo"], ["excel", "redaccion", "archivo"],
                        ["atencion"]),
    "teleoperador": ("4222", "Teleoperador", "Contact centre agent", ["asesor de call center"],
                     ["atencion", "telefono", "excel"], ["ventas"]),
    "docente": ("2341", "Profesor de primaria", "Primary school teacher", ["tutor", "profesora"],
                ["ensenanza", "planificacion"], ["ingles"]),
    "tecnico-enfermeria": ("3221", "Técnico en enfermería", "Nursing technician",
                           ["técnica de enfermería"], ["primeros-auxilios", "pacientes"], []),
    "mecanico": ("7231", "Mecánico automotriz", "Car mechanic", ["mecánico"],
                 ["mecanica", "diagnostico"], ["conduccion"]),
    "vigilante": ("5414", "Agente de seguridad", "Security guard", ["vigilante", "guardián"],
                  ["vigilancia", "primeros-auxilios"], []),
}
# fmt: on


def install_sample_catalogue(conn: Connection) -> None:
    """Insert the sample skills and occupations unless they are already there."""
    if conn.scalar(select(Skill.id).where(Skill.id == "sample-cosecha")):
        return
    conn.execute(
        insert(Skill),
        [
            {
                "id": f"sample-{sid}",
                "label_es": es,
                "label_en": en,
                "synonyms_es": syn,
                "synonyms_en": [],
                "sector": sector,
                "type": kind,
                "source": "sample",
                "search_text": normalize(" ".join([es, en, *syn])),
            }
            for sid, (es, en, kind, sector, syn) in SKILLS.items()
        ],
    )
    conn.execute(
        insert(Occupation),
        [
            {
                "id": f"sample-{oid}",
                "isco_code": isco,
                "label_es": es,
                "label_en": en,
                "synonyms_es": syn,
                "synonyms_en": [],
                "source": "sample",
                "search_text": normalize(" ".join([es, en, *syn])),
            }
            for oid, (isco, es, en, syn, _e, _o) in OCCUPATIONS.items()
        ],
    )
    conn.execute(
        insert(OccupationSkill),
        [
            {"occupation_id": f"sample-{oid}", "skill_id": f"sample-{s}", "relation": rel}
            for oid, (_i, _es, _en, _syn, ess, opt) in OCCUPATIONS.items()
            for rel, skills in (("essential", ess), ("optional", opt))
            for s in skills
        ],
    )
