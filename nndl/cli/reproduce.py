def add_parser(subparsers):
    return subparsers.add_parser("reproduce", help="(todo)")


def run(args):
    return 0
