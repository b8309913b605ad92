# Leave a stale control socket: bind a unix socket at PATH and exit without
# removing it, so the file is there and nobody listens on it.
#
#   unix_socket_file.py PATH
import socket
import sys

socket.socket(socket.AF_UNIX).bind(sys.argv[1])
