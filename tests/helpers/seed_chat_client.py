# The classic lesson's chat client, as written there but for the port
# (argv[1]).
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # 创建socket
s.connect(('127.0.0.1', int(sys.argv[1])))
s.send(b'hello')
data = s.recv(1024)
print("从服务端接收消息:{0}".format(data.decode()))
s.close()
