"""Accepted column names of each import kind: the field names plus Spanish aliases.

Headers are compared after :func:`chamba.ingest.reading.header_key` (no accents, lower case,
spaces as underscores), so ``"Año de nacimiento"`` matches ``ano_de_nacimiento``.
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel

from chamba.courses.schemas import CourseIn
from chamba.jobs.schemas import JobIn
from chamba.people.schemas import PersonIn

#: Pseudo-fields that the importer combines into real ones before validation.
PLACE_PARTS: Final = ("district", "province", "department")
WAGE: Final = "wage"

_COMMON: Final[dict[str, str]] = {
    "id": "external_id",
    "codigo": "external_id",
    "location": "ubigeo",
    "ubicacion": "ubigeo",
    "lugar": "ubigeo",
    "distrito": "district",
    "district": "district",
    "provincia": "province",
    "province": "province",
    "departamento": "department",
    "department": "department",
    "region": "department",
    "horario": "schedule",
    "moneda": "currency",
    "estado": "status",
    "habilidades": "skills",
    "competencias": "skills",
    "descripcion": "description",
}

_JOBS: Final[dict[str, str]] = {
    "titulo": "title",
    "puesto": "title",
    "cargo": "title",
    "empresa": "employer",
    "empleador": "employer",
    "company": "employer",
    "ruc": "employer_ruc",
    "ruc_empresa": "employer_ruc",
    "remoto": "remote",
    "teletrabajo": "remote",
    "horas": "hours_per_week",
    "horas_semanales": "hours_per_week",
    "horas_por_semana": "hours_per_week",
    "hours": "hours_per_week",
    "sueldo": WAGE,
    "salario": WAGE,
    "remuneracion": WAGE,
    "wage": WAGE,
    "sueldo_min": "wage_min",
    "sueldo_minimo": "wage_min",
    "salario_min": "wage_min",
    "salario_minimo": "wage_min",
    "sueldo_max": "wage_max",
    "sueldo_maximo": "wage_max",
    "salario_max": "wage_max",
    "salario_maximo": "wage_max",
    "contrato": "contract_type",
    "tipo_de_contrato": "contract_type",
    "tipo_contrato": "contract_type",
    "jornada": "contract_type",
    "educacion": "education_required",
    "nivel_educativo": "education_required",
    "education": "education_required",
    "vacantes": "openings",
    "fecha_publicacion": "posted_at",
    "fecha_de_publicacion": "posted_at",
    "publicado": "posted_at",
    "fecha_cierre": "expires_at",
    "fecha_limite": "expires_at",
    "vence": "expires_at",
    "habilidades_deseables": "optional_skills",
    "habilidades_opcionales": "optional_skills",
}

_PEOPLE: Final[dict[str, str]] = {
    "nombre": "full_name",
    "nombres": "full_name",
    "nombre_completo": "full_name",
    "name": "full_name",
    "correo": "email",
    "correo_electronico": "email",
    "e_mail": "email",
    "telefono": "phone",
    "celular": "phone",
    "movil": "phone",
    "dni": "national_id",
    "ce": "national_id",
    "documento": "national_id",
    "numero_de_documento": "national_id",
    "genero": "gender",
    "sexo": "gender",
    "ano_de_nacimiento": "birth_year",
    "ano_nacimiento": "birth_year",
    "anio_nacimiento": "birth_year",
    "idiomas": "languages",
    "lenguas": "languages",
    "educacion": "education_level",
    "nivel_educativo": "education_level",
    "education": "education_level",
    "experiencia": "years_experience",
    "anos_de_experiencia": "years_experience",
    "anos_experiencia": "years_experience",
    "descripcion": "self_description",
    "sobre_mi": "self_description",
    "perfil": "self_description",
    "intereses": "interests",
    "horas_disponibles": "availability_hours",
    "disponibilidad_horas": "availability_hours",
    "horario": "availability_slots",
    "disponibilidad": "availability_slots",
    "internet": "has_internet",
    "tiene_internet": "has_internet",
    "dispositivo": "device",
    "sueldo_esperado": "expected_wage",
    "pretension_salarial": "expected_wage",
    "distancia_maxima_km": "max_distance_km",
    "distancia_max_km": "max_distance_km",
    "consentimiento": "consent_visible",
    "visible": "consent_visible",
}

_COURSES: Final[dict[str, str]] = {
    "titulo": "title",
    "curso": "title",
    "nombre": "title",
    "nombre_del_curso": "title",
    "proveedor": "provider",
    "institucion": "provider",
    "centro": "provider",
    "ruc": "provider_ruc",
    "modalidad": "modality",
    "horas": "hours",
    "duracion_horas": "hours",
    "semanas": "weeks",
    "costo": "cost",
    "precio": "cost",
    "price": "cost",
    "gratis": "is_free",
    "gratuito": "is_free",
    "free": "is_free",
    "beca": "scholarship",
    "becas": "scholarship",
    "fechas_de_inicio": "start_dates",
    "fechas_inicio": "start_dates",
    "fecha_inicio": "start_dates",
    "inicio": "start_dates",
    "certificado": "certificate",
    "certificacion": "certificate",
    "vacantes": "seats",
    "cupos": "seats",
    "educacion": "education_required",
    "requisito_educativo": "education_required",
}


def _aliases(model: type[BaseModel], extra: dict[str, str]) -> dict[str, str]:
    table = {name: name for name in model.model_fields}
    table.update(_COMMON)
    table.update(extra)
    return table


ALIASES: Final[dict[str, dict[str, str]]] = {
    "jobs": _aliases(JobIn, _JOBS),
    "people": _aliases(PersonIn, _PEOPLE),
    "courses": _aliases(CourseIn, _COURSES),
}
REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "jobs": ("title",),
    "people": (),
    "courses": ("title", "modality", "hours"),
}
