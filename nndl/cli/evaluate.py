def add_parser(subparsers):
    return subparsers.add_parser("evaluate", help="(todo)")


def run(args):
    return 0
