# The classic lesson's UDP client, unchanged but for the port (argv[1]).
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server_address = ('127.0.0.1', int(sys.argv[1]))
s.sendto(b'hello', server_address)
data, _ = s.recvfrom(1024)
print("从服务器接收的数据: {0}".format(data.decode()))
s.close()
