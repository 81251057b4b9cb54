from chamba.cli import main

main()
