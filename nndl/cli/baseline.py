def add_parser(subparsers):
    return subparsers.add_parser("baseline", help="(todo)")


def run(args):
    return 0
