from bwvtool.cli import main

main()
