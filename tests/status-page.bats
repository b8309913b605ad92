#!/usr/bin/env bats
# The status page (GET / of the http service) as an operator sees it: in
# a real browser (headless Chromium: the DOM after load, and a screenshot
# kept in $NETD_BUILD/artefacts/status-page.png), valid HTML with every
# text escaped, the CLI's columns in the CLI's order, workers coloured by
# state, quiet listeners folded, ?refresh=N without JavaScript.

load helpers/netd

setup() {
	# A unix listener whose path holds markup: it must show as text.
	netd_config <<'EOF'
[netd]
workers = 2
min_spare = 0

[service http]
type = http
listen = tcp://127.0.0.1:0

[service hello]
type = hello
listen = tcp://127.0.0.1:0

[service echo]
type = echo
listen = tcp://127.0.0.1:0 udp://127.0.0.1:0 unix:@TMP@/<b>x&amp;'y".sock
EOF
}

teardown() {
	netd_teardown
}

url() {
	echo "http://127.0.0.1:$(port_of tcp http)$1"
}

# Headless Chromium with a throwaway profile, nothing fetched from
# anywhere but loopback: no background networking, updates, sync,
# safe browsing or metrics; every host name but 127.0.0.1 resolves to
# nothing.
chromium_run() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --no-first-run --no-default-browser-check \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --disable-default-apps --disable-extensions \
	    --disable-domain-reliability --disable-breakpad \
	    --disable-client-side-phishing-detection \
	    --disable-features=OptimizationHints,MediaRouter,Translate \
	    --metrics-recording-only --no-pings --no-proxy-server \
	    --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1' \
	    --user-data-dir="$BATS_TEST_TMPDIR/chromium" \
	    --window-size=1400,1000 "$@" 2>>"$BATS_TEST_TMPDIR/chromium.log"
}

# What a person sees: the DOM after load, one fact a line.
dom() {
	chromium_run --dump-dom "$1" >"$BATS_TEST_TMPDIR/dom.html"
	python3 "$HELPERS/dom_view.py" <"$BATS_TEST_TMPDIR/dom.html"
}

@test "in a browser: time, human durations, rates, totals, CLI columns, states coloured, quiet listeners folded, text escaped; screenshot kept" {
	command -v chromium >/dev/null || fail "chromium is not installed (make deps-test)"
	netd_start
	# Traffic on hello; echo stays quiet.
	hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael >/dev/null
	wait_eq 30 1 listener_stat tcp hello connections
	run dom "$(url '/?refresh=30')"
	assert_success
	assert_line "title: netd status"
	assert_line --regexp "^h1: netd [0-9.]+ - running$"
	assert_line "refresh: 30"
	# The current time, as the page was made: within a minute of ours.
	now=$(sed -n 's/^#now: //p' <<<"$output")
	(( $(date +%s) - $(date -d "$now" +%s) < 60 ))
	assert_line --regexp "^#master: pid $NETD_PID, up [0-9]+(\.[0-9])?s \(since 20[0-9-]+T[0-9:]+Z\)$"
	# The browser's page load and the connection it opens ahead are one
	# worker's or two, as the kernel hands them out: the page says which,
	# and its rows agree.
	busy=$(sed -n 's/^#pool: 2 workers (target 2): \([12]\) busy, .*/\1/p' <<<"$output")
	[[ $busy == 1 || $busy == 2 ]] || fail "no pool line with 1 or 2 busy"
	assert_line "#pool: 2 workers (target 2): $busy busy, $((2 - busy)) idle, 0 starting, 0 draining, 0 backoff, 0 failed"
	assert_line "#limit: below max_workers (0 episodes)"
	assert_line --regexp "^#traffic: requests [0-9.]+/s, in [0-9.]+[KM]?i?B/s, out [0-9.]+[KM]?i?B/s$"
	assert_line --regexp "^#resources: master CPU [0-9.]+s, RSS [0-9.]+MiB, [0-9]+ of [0-9]+ fds$"
	# The columns of `netctl status`, in its order.
	cli_heads=$(ctl status | grep '^LISTENER' | tr -s ' ')
	assert_line "head listeners: $cli_heads"
	cli_heads=$(ctl status | grep '^SLOT' | tr -s ' ')
	assert_line "head workers: $cli_heads"
	assert_line "head services: $(ctl status | grep '^SERVICE ' | tr -s ' ')"
	# Listeners with traffic in the table, the quiet ones folded away.
	assert_line --regexp "^row listeners -: tcp://127.0.0.1:$(port_of tcp hello) \| tcp \| hello \| 0/511 \| 0 \| 1 \| - \| [0-9.]+/s \| 0 \| 0 \| 0 \| [0-9]+B \| [0-9]+B$"
	assert_line --regexp "^total listeners: total \| [0-9]+ \| 0 \| "
	assert_line "details closed: 3 listeners with nothing to show"
	assert_line --regexp "^row quiet -: udp://127.0.0.1:$(port_of udp echo) \| udp \| echo \| - \| - \| - \| 0 \| 0/s \| "
	# Markup in a name is text, not an element.
	assert_line --regexp "^row quiet -: unix:$BATS_TEST_TMPDIR/<b>x&amp;'y\"\.sock \| unix \| echo \| - \| - \| 0 \| - \| "
	refute_line --regexp "^count b: "
	# A worker answering the browser is busy, coloured so; any other idle.
	# One with one connection names its service and peer; one holding
	# both of the browser's (the event model) names neither, as its
	# title does: "(2 conns)".
	conns=$(sed -n 's/^#connections: \([0-9]*\) of .*/\1/p' <<<"$output")
	if ((busy == 1 && conns == 2)); then
		what='- \| -'
	else
		what='http \| 127\.0\.0\.1:[0-9]+'
	fi
	assert_line --regexp "^row workers busy: [01] \| [0-9]+ \| 1 \| busy \| $what \| [0-9.]+s \| [0-9]+ \| [0-9.]+/s \| [0-9.]+s \| [0-9.]+MiB \| [0-9.]+K?i?B \| [0-9.]+K?i?B \| $"
	assert_equal "$(grep -c '^row workers busy: ' <<<"$output")" "$busy"
	assert_equal "$(grep -Ec '^row workers idle: [01] \| [0-9]+ \| 1 \| idle \| - \| - \| ' <<<"$output")" "$((2 - busy))"
	assert_line --regexp "^total workers: total \| [0-9]+ \| [0-9.]+/s \| [0-9.]+s \| [0-9.]+MiB \| "
	# What it looks like, kept.
	chromium_run --screenshot="$BATS_TEST_TMPDIR/status-page.png" "$(url /)"
	[[ "$(head -c 8 "$BATS_TEST_TMPDIR/status-page.png" | od -An -tx1 | tr -d ' ')" == 89504e470d0a1a0a ]]
	mkdir -p "$NETD_BUILD/artefacts"
	cp "$BATS_TEST_TMPDIR/status-page.png" "$NETD_BUILD/artefacts/status-page.png"
}

@test "valid HTML5: doctype, elements closed in order, attributes quoted, every text escaped" {
	netd_start
	hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael >/dev/null
	for q in / '/?refresh=5'; do
		curl -sf -o "$BATS_TEST_TMPDIR/page.html" "$(url "$q")"
		run python3 "$HELPERS/html_check.py" <"$BATS_TEST_TMPDIR/page.html"
		assert_success
		refute_output
	done
	grep -qF "unix:$BATS_TEST_TMPDIR/&lt;b&gt;x&amp;amp;&#39;y&quot;.sock" "$BATS_TEST_TMPDIR/page.html"
}

@test "?refresh=N: a meta refresh without JavaScript, N bounded to 1..3600; none when absent or not a number" {
	netd_start
	meta() {
		curl -sf "$(url "$1")" | grep -o '<meta http-equiv="refresh" content="[0-9]*">' || echo none
	}
	assert_equal "$(meta /)" none
	assert_equal "$(meta '/?refresh=5')" '<meta http-equiv="refresh" content="5">'
	assert_equal "$(meta '/?x=1&refresh=7')" '<meta http-equiv="refresh" content="7">'
	assert_equal "$(meta '/?refresh=999999')" '<meta http-equiv="refresh" content="3600">'
	assert_equal "$(meta '/?refresh=0')" none
	assert_equal "$(meta '/?refresh=abc')" none
	assert_equal "$(meta '/?refresh=5x')" none
	curl -sf "$(url /)" | grep -q '<script' && fail "the page has a script"
	true
}

@test "state colours: a draining worker and one backing off have their own classes" {
	expect_worker_signal KILL
	netd_start
	hold_start old "$(port_of tcp hello)"
	run ctl reload
	assert_success
	wait_until 30 bash -c "curl -sf '$(url /)' | grep -q '<tr class=\"draining\"><td class=\"n\">'"
	# Kill a worker of the new generation twice: its slot backs off.
	hold_release old
	bg_wait old
	pid=$(jqs '[.workers[] | select(.state == "idle" and .generation == 2) | .pid][0]')
	kill -KILL "$pid"
	wait_until 30 bash -c "curl -sf '$(url /)' | grep -Eq '<tr class=\"(backoff|idle)\">'"
	page=$(curl -sf "$(url /)")
	grep -q 'tr.draining td' <<<"$page"
	grep -q 'tr.backoff td' <<<"$page"
	grep -q 'tr.busy td' <<<"$page"
	grep -q 'tr.idle td' <<<"$page"
}
