from trimtab.cli import app

app(prog_name="trimtab")
