from ninja import NinjaAPI

api = NinjaAPI(title="Pilote API", version="1")
