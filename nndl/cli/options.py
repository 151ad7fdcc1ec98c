"""Options several commands share, defined once so they read the same everywhere."""


def add_data_dir(parser):
    """--data-dir: where the MNIST files are (the library's lookup order applies without it)."""
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder holding the MNIST files (default: $NNDL_DATA_DIR, then "
                        "~/.cache/nndl/mnist, downloading there if missing)")
