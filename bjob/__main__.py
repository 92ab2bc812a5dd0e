from bjob.cli.app import main

main()
