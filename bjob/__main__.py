from bjob.cli import main

main()
