from trimtab.cli.main import run

run()
