#!/usr/bin/env bats
# The man pages as a reader sees them (man -l, groff; mandoc) and what
# they say against what netd does: headers, quotes, -t's two passes, which
# connections get an access line, the README's ps line.

load helpers/netd

ROOT="$BATS_TEST_DIRNAME/.."

teardown() {
	netd_teardown
}

# PAGE rendered by man(1) (groff), as a terminal shows it.
rendered() {
	LANG=C.UTF-8 MANWIDTH=80 man -l "$ROOT/man/$1" 2>/dev/null
}

needs_man() {
	command -v man >/dev/null && command -v groff >/dev/null ||
	    skip "man and groff are needed"
}

@test "man: headers name the volume, not 'BSD ... Manual'" {
	needs_man
	local p
	for p in netd.8 netctl.8; do
		run rendered "$p"
		assert_line --index 0 --regexp "^[A-Z.]+\(8\) +System Manager's Manual +[A-Z.]+\(8\)$"
	done
	run rendered netd.ini.5
	assert_line --index 0 --regexp "^NETD\.INI\(5\) +File Formats Manual +NETD\.INI\(5\)$"
	for p in netd.8 netctl.8 netd.ini.5; do
		run rendered "$p"
		refute_line --index 0 --partial "BSD"
		run mandoc "$ROOT/man/$p"
		refute_line --index 0 --partial "BSD"
	done
}

@test "man: footers name netd and its version, not 'BSD'" {
	needs_man
	local p v
	v=$(sed -n 's/^#define NETD_VERSION[[:space:]]*"\(.*\)"/\1/p' "$ROOT/lib/version.h")
	[[ -n "$v" ]]
	for p in netd.8 netctl.8 netd.ini.5; do
		run rendered "$p"
		assert_line --index $((${#lines[@]} - 1)) --regexp "^netd $v +[A-Z][a-z]+ [0-9]+, [0-9]{4} +netd $v$"
		run mandoc "$ROOT/man/$p"
		assert_line --index $((${#lines[@]} - 1)) --regexp "^netd $v +[A-Z][a-z]+ [0-9]+, [0-9]{4} +netd $v$"
	done
}

@test "man: quotes open and close in turn, no escape shows" {
	needs_man
	local p
	for p in netd.8 netctl.8 netd.ini.5; do
		rendered "$p" >"$BATS_TEST_TMPDIR/$p.txt"
		mandoc -Tutf8 "$ROOT/man/$p" | col -b >"$BATS_TEST_TMPDIR/$p.mandoc"
		for f in "$BATS_TEST_TMPDIR/$p.txt" "$BATS_TEST_TMPDIR/$p.mandoc"; do
			run python3 - "$f" <<-'PY'
			import sys
			text = open(sys.argv[1], encoding='utf-8').read()
			bad = []
			for o, c in (('\u201c', '\u201d'), ('\u2018', '\u2019')):
			    depth = 0
			    for i, ch in enumerate(text):
			        if ch == o:
			            depth += 1
			            if depth > 1:
			                bad.append('nested %s at: %r' % (o, text[max(0, i - 40):i + 40]))
			        elif ch == c:
			            depth -= 1
			            if depth < 0:
			                bad.append('stray %s at: %r' % (c, text[max(0, i - 40):i + 40]))
			                depth = 0
			for esc in ('\\(', '\\*', '``', '\\&'):
			    if esc in text:
			        bad.append('escape %r shows' % esc)
			print('\n'.join(bad))
			sys.exit(1 if bad else 0)
			PY
			assert_success
		done
	done
}

@test "man: -t reports every syntax error at once, then stops at the first other problem, as netd(8) says" {
	netd_config <<-EOF
	[netd]
	workers = lots
	user = no-such-user-$$
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	colour = blue
	EOF
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	# Lines as written ($CONF may hold one more: the classic-model run's).
	assert_line --partial "$CONF:$(grep -n '^workers = lots' "$CONF" | cut -d: -f1): key 'workers': 'lots' is not"
	assert_line --partial "$CONF:$(grep -n '^colour' "$CONF" | cut -d: -f1): key 'colour': unknown key"
	refute_output --partial "no-such-user"
	# Valid syntax: the first of two other problems only.
	netd_config <<-EOF
	[netd]
	user = no-such-user-$$
	group = no-such-group-$$
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_line --partial "key 'user': no such user"
	refute_output --partial "no-such-group"
	# And the page says so.
	needs_man
	run bash -c "LANG=C MANWIDTH=200 man -l '$ROOT/man/netd.8' 2>/dev/null | tr -s ' \n' '  '"
	assert_output --partial "reports every error of syntax and value in one run"
	assert_output --partial "which stops at the first problem it finds"
	refute_output --partial "print every problem"
}

@test "man: UDP datagrams get no access line, and netd(8) does not promise one" {
	netd_pool echo-udp
	run udp --count 3 --expect 3 127.0.0.1 "$(port_of udp echo)" hi
	assert_success
	assert_equal "$(jqs '.listeners[0].datagrams')" 3
	assert_equal "$(access_lines echo)" 0
	needs_man
	run bash -c "LANG=C MANWIDTH=200 man -l '$ROOT/man/netd.8' 2>/dev/null | tr -s ' \n' '  '"
	refute_output --partial "Every connection ends with an access line"
	assert_output --partial "Datagrams have no access lines"
	# A killed worker's clients get theirs from the master.
	assert_output --partial "the master writes one for each connection the worker's table still listed"
}

@test "README: the ps line shows the processes and only them, as its comment says" {
	netd_pool hello workers=2
	local cmd comment
	line=$(grep -E '^ +ps .*netd:' "$ROOT/README.md")
	cmd=${line%%#*}
	comment=${line#*# }
	# Only netd's processes (not the grep), ours among them.
	run bash -c "$cmd"
	assert_success
	refute_output --regexp "grep"
	assert_line --regexp "^ *$NETD_PID netd: master -c $(realpath "$CONF") \(2 workers\)$"
	# The comment is the master's title with the config's absolute path.
	[[ "$comment" =~ ^netd:\ master\ -c\ \$PWD/etc/netd\.ini\ \([0-9]+\ workers\)$ ]]
}
