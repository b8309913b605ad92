# The classic lesson's upload client, unchanged but for the port and the
# file name (argv[1], argv[2]): it sends the file and closes, without a
# half-close and without reading an answer.
import socket
import sys

HOST = '127.0.0.1'
PORT = int(sys.argv[1])
f_name = sys.argv[2]

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect((HOST, PORT))
    with open(f_name, 'rb') as f:
        data = f.read()
        s.sendall(data)
        print("客户端数据上传成功")
