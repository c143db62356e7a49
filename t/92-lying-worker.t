# SPDX-License-Identifier: ISC
# A worker that lies to the master (build/t/sinetd-hooks, worker/forge.c):
# forged violation reports, log lines that try to set the line's own
# fields, a scribbled shared state, spawns of processes that are not its
# children; and a worker that is stopped. The master believes none of it,
# kills and replaces a worker that breaks the protocol, and answers on.
# Last, a genuine violation: its peer is the client's real address.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);
use Sinetd;

plan skip_all => 'needs root: the master reads its children\'s '
    . 'descriptors, and the workers change users' if !privileged();
my $hooks = build_dir() . '/t/sinetd-hooks';
plan skip_all => 'no build/t/sinetd-hooks' unless -x $hooks;

my $forged = qr/203\.0\.113\.9/;
my $quoted = qr/"(?:[^"\\]|\\.)*"/;

# A daemon whose first worker tells the lie $what (the master hands the
# variable to that worker only, so its replacement does not lie).
sub liar {
	my ($what, $conf, @args) = @_;
	local $ENV{SINETD_TEST_FORGE} = $what;
	return Sinetd->start(bin => $hooks, conf => $conf,
	    args => ['-o', 'workers=1', @args]);
}

# What holds whatever the lie: the forged peer only ever inside a
# worker's quoted text, never a violation of pid 1 or of the master.
sub believed_nothing {
	my ($d, $what) = @_;
	my $master = $d->pid;
	my @outside = grep { !/^${LOG_HEAD}from worker service=\S+ proto=\S+ addr=\S+ pid=\d+ msg=$quoted$/ }
	    grep { /$forged/ } split /\n/, $d->log_text;
	is(scalar(@outside), 0, "$what: the forged peer is never outside a "
	    . 'worker\'s quoted text') or diag(join("\n", @outside));
	unlike($d->log_text, qr/policy violation, killed .* child=(?:1|$master) /,
	    "$what: no violation of pid 1 or of the master ($master)");
	ok(!$d->exited, "$what: the master is alive");
}

# The protocol violation is logged and the liar killed and replaced: a
# new worker serves again within a few seconds.
sub replaced {
	my ($d, $port, $name, $why, $talk) = @_;
	my $liar = $d->wait_log(qr/worker broke the protocol, killing it service=$port \S+ \S+ pid=(\d+) type=\d+ name=$name reason="\Q$why\E"/, 5);
	ok($liar, "$name: the master says why ($why)") or return;
	ok($d->wait_log(qr/worker died service=$port \S+ \S+ pid=$liar signal=KILL /, 5),
	    "$name: and kills pid $liar");
	my $new = wait_for(5, sub { my $w = $d->worker_for($port);
	    $w && $w != $liar ? $w : 0 });
	ok($new, "$name: a new worker ($new)");
	ok(wait_for(5, sub { ($talk->() // '') eq "back\n" }),
	    "$name: which serves");
	is($d->count_log(qr/worker broke the protocol/), 1,
	    "$name: one liar, one kill");
}

my $e = free_port();
my $c = free_port();
my $echo = "127.0.0.1:$e stream tcp nowait nobody internal echo\n";
my $cat = "127.0.0.1:$c stream tcp nowait nobody /bin/cat cat\n";
my $talk_e = sub { tcp_talk('127.0.0.1', $e, "back\n", half_close => 1) };
my $talk_c = sub { tcp_talk('127.0.0.1', $c, "back\n", half_close => 1) };

subtest 'forged violation reports: 400 of them, for pid 1 and the master' => sub {
	my $d = liar('violations', $echo);
	replaced($d, $e, 'VIOLATION', 'from a worker that has none to send',
	    $talk_e);
	believed_nothing($d, 'internal');
	is($d->stop >> 8, 0, 'clean stop');

	$d = liar('violations', $cat);
	replaced($d, $c, 'VIOLATION', 'a violation of a pid it never spawned',
	    $talk_c);
	unlike($d->log_text, qr/policy violation/, 'none of them is logged');
	believed_nothing($d, 'external');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'log lines that try to set the line\'s own fields' => sub {
	my $d = liar('logfields', $echo);
	my $w = $d->worker_for($e);
	ok($d->wait_log(qr/(?s:$forged.*){5}/, 5), 'the five lines are logged')
	    or diag($d->log_text);
	my @lines = grep { /$forged/ } split /\n/, $d->log_text;
	is(scalar(@lines), 5, 'each once');
	for my $l (@lines) {
		like($l, qr/^${LOG_HEAD}from worker service=$e proto=tcp addr=127\.0\.0\.1:$e pid=$w msg=$quoted$/,
		    'the master\'s fields first, the worker\'s text quoted last');
	}
	like($lines[0], qr/ msg="connection refused peer=203\.0\.113\.9 service=other pid=1 reason=forged"$/,
	    'a peer= and service= inside the text stay inside the quotes');
	like($lines[1], qr/ msg="x\\" peer=/, 'an inner quote is escaped');
	like($lines[2], qr/ msg="a backslash\\\\\\" peer=/,
	    'a backslash and a quote are escaped');
	like($lines[3], qr/ msg="a newline\? peer=/,
	    'a newline is a ?, not a new line');
	is($talk_e->(), "back\n", 'logging is no protocol violation: it serves');
	is($d->worker_for($e), $w, 'the same worker');
	believed_nothing($d, 'log fields');
	is($d->stop >> 8, 0, 'clean stop');
};

# sinetctl answers at once, and says only what it can stand behind.
sub answers {
	my ($d, $what, $port, $nslots) = @_;
	my $t0 = time;
	my ($rc, $out) = $d->ctl('-k', 'status', $port);
	my ($rcm, $metrics) = $d->ctl('metrics');
	my ($rcj, $json) = $d->ctl('-j', 'status');
	cmp_ok(time - $t0, '<', 3, "$what: status, metrics and JSON at once");
	is("$rc $rcm $rcj", '0 0 0', "$what: each succeeds");
	like($out, qr/^service=$port .* state=disabled .* children=$nslots /m,
	    "$what: disabled, and the children count within the table ($nslots)")
	    or diag($out);
	my $master = $d->pid;
	unlike($out, qr/^  child pid=(?:1|$master) /m,
	    "$what: pid 1 and the master are not listed as children");
	unlike($out . $metrics . $json, qr/[\x00-\x08\x0b-\x1f\x7f]/,
	    "$what: no control character");
	my @bad = grep { !/^(?:# (?:HELP|TYPE) .*|sinetd_\w+\{[^{}]*\} \d+)$/ }
	    split /\n/, $metrics;
	is(scalar(@bad), 0, "$what: metrics are well formed")
	    or diag(join("\n", @bad));
	ok(eval { decode_json($json); 1 }, "$what: the JSON parses") or diag($@);
	ok(!$d->exited, "$what: the master is alive");
}

subtest 'a scribbled shared state' => sub {
	# The liar's service first (the first worker lies), another beside it.
	my $o = free_port();
	my $other = "127.0.0.1:$o stream tcp nowait nobody internal echo\n";
	my $d = liar('state', $echo . $other);
	sleep(0.5);
	answers($d, 'internal', $e, 0);
	is(tcp_talk('127.0.0.1', $o, "other\n", half_close => 1), "other\n",
	    'the other service serves');
	my ($rc) = $d->ctl('enable', $e);
	is($rc, 0, 'sinetctl enable');
	is($talk_e->(), "back\n", 'and the scribbler\'s own service serves again');
	believed_nothing($d, 'internal state');
	is($d->stop >> 8, 0, 'clean stop');

	$d = liar('state', $cat . $other);
	sleep(0.5);
	answers($d, 'external', $c, 4096);
	is(tcp_talk('127.0.0.1', $o, "other\n", half_close => 1), "other\n",
	    'the other service serves');
	believed_nothing($d, 'external state');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'spawns of processes that are not its children' => sub {
	my $d = liar('spawned', $echo);
	replaced($d, $e, 'SPAWNED', 'from a worker that has none to send',
	    $talk_e);
	believed_nothing($d, 'internal');
	is($d->stop >> 8, 0, 'clean stop');

	$d = liar('spawned', $cat);
	replaced($d, $c, 'SPAWNED', 'a spawn of a process that is not its child',
	    $talk_c);
	unlike($d->log_text, qr/child exited .*child=(?:1|${\ $d->pid}) /,
	    'no exit is ever said of pid 1 or the master');
	believed_nothing($d, 'external');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a stopped worker is said, then killed and replaced' => sub {
	my $d = Sinetd->start(bin => $hooks, conf => $echo,
	    args => ['-o', 'workers=1', '-o', 'stopped=1s']);
	my $w = $d->worker_for($e);
	kill('STOP', $w);
	ok($d->wait_log(qr/worker stopped service=$e \S+ \S+ pid=$w signal=STOP$/m, 5),
	    'the stop is logged');
	kill('CONT', $w);
	ok($d->wait_log(qr/worker continued service=$e \S+ \S+ pid=$w stopped_for=\d+ms$/m, 5),
	    'and so is the continue');
	is($talk_e->(), "back\n", 'it serves on');
	kill('STOP', $w);
	ok($d->wait_log(qr/worker stayed stopped, killing it service=$e \S+ \S+ pid=$w stopped_for=\d+ms$/m, 5),
	    'stopped past -o stopped=1s: killed, and said why');
	is($d->count_log(qr/worker stopped service=$e \S+ \S+ pid=$w /), 2,
	    'each stop said once');
	ok($d->wait_log(qr/worker died service=$e \S+ \S+ pid=$w signal=KILL /, 5),
	    'reaped as any dead worker');
	my $new = wait_for(5, sub { my $n = $d->worker_for($e);
	    $n && $n != $w ? $n : 0 });
	ok($new, "a new worker ($new)");
	is($talk_e->(), "back\n", 'which serves');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a genuine violation: the peer is the one the master read' => sub {
	my $report = build_dir() . '/t/report';
	plan skip_all => 'no build/t/report' unless -x $report;
	my $dir = tempdir(CLEANUP => 1);
	chmod(0755, $dir);
	mkdir("$dir/policy");
	write_file("$dir/policy/default.policy", default_policy());
	my $p = free_port();
	my $d = Sinetd->start(args => ['-P', "$dir/policy"],
	    conf => "127.0.0.1:$p stream tcp nowait nobody $report report syslog\n");
	my $s = tcp_connect('127.0.0.1', $p) or die "connect: $!";
	my $lport = $s->sockport;
	is(read_some($s, 100, 5), '', 'a call its policy denies: no answer');
	close($s);
	# Whatever the kernel's audit record says (it may be rate-limited).
	my $child = $d->wait_log(qr/policy violation, killed service=$p \S+ \S+ child=(\d+) peer=127\.0\.0\.1:$lport syscall=\S+ policy=default/, 5);
	ok($child, "the violation names the client's own address and port "
	    . "(127.0.0.1:$lport)") or diag($d->log_text);
	# The worker logs the exit after its report: it may come later.
	ok($d->wait_log(worker_said($p, qr/child exited peer=127\.0\.0\.1:$lport child=$child signal=SYS /), 5),
	    'the same child and peer the worker saw') or diag($d->log_text);
	is($d->stop >> 8, 0, 'clean stop');
};

done_testing();
