"""One module per `practicebase` subcommand: parse arguments, call the core, print."""
