# The bytes of a Python expression (EXPR, e.g. "b'x' * 16 + b'\n'"): written
# as they are to stdout, or with --hex as hex digits, or with --repr as
# Python prints them (b'...').
#
#   bytes_of.py [--hex | --repr] EXPR
import sys

args = sys.argv[1:]
mode = args.pop(0) if args[0] in ('--hex', '--repr') else None
data = eval(args[0])
if mode == '--hex':
    print(data.hex())
elif mode == '--repr':
    print(data)
else:
    sys.stdout.buffer.write(data)
