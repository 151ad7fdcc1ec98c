def add_parser(subparsers):
    return subparsers.add_parser("predict", help="(todo)")


def run(args):
    return 0
