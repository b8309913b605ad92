#!/usr/bin/env bats
# Start, talk, stop: the hello service over TCP (the lesson's client and
# line clients), UDP and IPv6; text passes through as UTF-8; the reply
# template is never a format string.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

@test "start: ready, serving; TERM: exit 0, socket and ports closed" {
	netd_pool hello-dual-stack
	TCP=$(port_of tcp hello 1)
	[[ -S "$SOCK" ]]
	run ctl ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
	wait_until 20 grep -q "notice: ready: generation 1, 2 workers, 4 listeners" "$LOG"
	kill -TERM "$NETD_PID"
	netd_exited 30
	grep -q "notice: stopped" "$LOG"
	[[ ! -e "$SOCK" ]]
	# Nobody listens on the port any more.
	run hello lesson 127.0.0.1 "$TCP" Michael
	assert_failure
	assert_output --partial "Connection refused"
	assert_equal "$(netd_procs)" ""
}

@test "TCP: the lesson's client, no newlines: Welcome! then Hello, NAME!" {
	netd_pool hello-dual-stack
	TCP=$(port_of tcp hello 1)
	run hello lesson 127.0.0.1 "$TCP" Michael Tracy Sarah
	assert_success
	# The greeting ends in a newline (print adds the blank line); the
	# replies to newline-less messages have none.
	assert_output "$(printf 'Welcome!\n\nHello, Michael!\nHello, Tracy!\nHello, Sarah!')"
	run timeout 20 python3 "$HELPERS/seed_tcp_client.py" "$TCP"
	assert_success
	assert_output "$(printf 'Welcome!\n\nHello, Michael!\nHello, Tracy!\nHello, Sarah!')"
	wait_until 10 grep -q "access service=hello proto=tcp listen=tcp://127.0.0.1:$TCP peer=127.0.0.1:[0-9]* duration=[0-9]*ms in=[0-9]* out=[0-9]* result=ok" "$LOG"
}

@test "TCP: a line client gets answers in kind, LF for LF" {
	netd_pool hello-dual-stack
	TCP=$(port_of tcp hello 1)
	run hello lines 127.0.0.1 "$TCP" lf Michael Tracy
	assert_success
	assert_output "$(cat <<-'EOF'
	b'Welcome!\n'
	b'Hello, Michael!\n'
	b'Hello, Tracy!\n'
	b''
	EOF
	)"
}

@test "TCP: a line client gets answers in kind, CRLF for CRLF" {
	netd_pool hello-dual-stack
	TCP=$(port_of tcp hello 1)
	run hello lines 127.0.0.1 "$TCP" crlf Michael Tracy
	assert_success
	assert_output "$(cat <<-'EOF'
	b'Welcome!\n'
	b'Hello, Michael!\r\n'
	b'Hello, Tracy!\r\n'
	b''
	EOF
	)"
}

@test "TCP: socat as a line client; several lines in one segment" {
	netd_pool hello-dual-stack
	TCP=$(port_of tcp hello 1)
	run timeout 20 socat -t 10 - "TCP:127.0.0.1:$TCP" \
	    < <(printf 'Michael\nTracy\r\nexit\n')
	assert_success
	assert_output "$(printf 'Welcome!\nHello, Michael!\nHello, Tracy!\r\n')"
}

@test "UDP: each datagram answered, with its own line ending" {
	netd_pool hello-dual-stack
	UDP=$(port_of udp hello 1)
	run hello udp 127.0.0.1 "$UDP" Michael
	assert_success
	assert_output "Hello, Michael!"
	run timeout 20 python3 "$HELPERS/seed_udp_client.py" "$UDP"
	assert_success
	assert_output "从服务器接收的数据: Hello, hello!"
	run hello udp 127.0.0.1 "$UDP" $'Tracy\r\n' $'Sarah\n'
	assert_success
	assert_output "$(printf 'Hello, Tracy!\r\n\nHello, Sarah!\n')"
}

@test "IPv6: TCP and UDP hello on ::1, the peer shown in brackets" {
	netd_pool hello-dual-stack
	TCP6=$(port_of tcp hello 2)
	UDP6=$(port_of udp hello 2)
	ctl status | grep -q "tcp://\[::1\]:$TCP6 "
	run hello lesson ::1 "$TCP6" Michael
	assert_success
	assert_output "$(printf 'Welcome!\n\nHello, Michael!')"
	run hello udp ::1 "$UDP6" Sarah
	assert_success
	assert_output "Hello, Sarah!"
	wait_until 10 grep -q "access service=hello proto=tcp listen=tcp://\[::1\]:$TCP6 peer=\[::1\]:[0-9]* .*result=ok" "$LOG"
}

@test "UTF-8 passes through: reply = 你好 is the lesson's chat server" {
	netd_pool hello-dual-stack hello.greeting= hello.reply=你好
	TCP=$(port_of tcp hello 1)
	UDP=$(port_of udp hello 1)
	# The lesson's chat client, as written there but for the port.
	run timeout 20 python3 "$HELPERS/seed_chat_client.py" "$TCP"
	assert_success
	assert_output "从服务端接收消息:你好"
	run hello udp 127.0.0.1 "$UDP" hello
	assert_success
	assert_output "你好"
}

@test "UTF-8 passes through: names in Chinese, TCP and UDP" {
	netd_pool hello-dual-stack
	TCP=$(port_of tcp hello 1)
	UDP=$(port_of udp hello 1)
	run hello lesson 127.0.0.1 "$TCP" 张三 Ünïcødé
	assert_success
	assert_output "$(printf 'Welcome!\n\nHello, 张三!\nHello, Ünïcødé!')"
	run hello lines 127.0.0.1 "$TCP" crlf 李四
	assert_success
	assert_line --index 1 "b'Hello, \\xe6\\x9d\\x8e\\xe5\\x9b\\x9b!\\r\\n'"
	run hello udp 127.0.0.1 "$UDP" 王五
	assert_success
	assert_output "Hello, 王五!"
}

@test "reply = %n%x%s%% is safe: literal %n%x, the message, one %" {
	netd_pool hello-dual-stack 'hello.reply=%n%x%s%%'
	TCP=$(port_of tcp hello 1)
	UDP=$(port_of udp hello 1)
	run hello lesson 127.0.0.1 "$TCP" Michael '%s%n%p%%'
	assert_success
	assert_output "$(printf 'Welcome!\n\n%%n%%xMichael%%\n%%n%%x%%s%%n%%p%%%%%%')"
	run hello udp 127.0.0.1 "$UDP" '%s%d'
	assert_success
	assert_output '%n%x%s%d%'
	# Still the same two healthy workers.
	assert_equal "$(jqs '.pool.total')" 2
	! grep -q "killed by signal" "$LOG"
}
