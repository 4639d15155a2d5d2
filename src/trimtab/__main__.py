from trimtab.cli.main import app

app(prog_name="trimtab")
