# Read by the `flask` command (python-dotenv). Secrets go in .env, never here.
FLASK_APP=inkstone.app:create_app
