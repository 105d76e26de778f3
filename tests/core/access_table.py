from tests.access import PUBLIC

ACCESS = {
    "core.index": PUBLIC,
    "core.set_language": PUBLIC,
    "core.healthz": PUBLIC,
    "core.openapi_document": PUBLIC,
}
