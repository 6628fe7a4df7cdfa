from tinyvid.cli import main

main()
