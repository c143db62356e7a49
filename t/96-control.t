# SPDX-License-Identifier: ISC
# sinetctl against a running daemon: status (with a child running, with a
# service suspended), JSON, metrics in the exposition format, disable and
# enable, reload, stop; a client of another uid refused; malformed, huge
# and slow requests answered with an error and nothing else lost; a
# worker's log flood counted to the line.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::UNIX;
use JSON::PP;
use Socket qw(SOCK_STREAM);
use Test::More;
use Time::HiRes qw(time sleep);
use Sinetd;

$SIG{PIPE} = 'IGNORE';	# a raw client writes on after the daemon said no
my $sleep = -x '/usr/bin/sleep' ? '/usr/bin/sleep' : '/bin/sleep';
my $true = -x '/usr/bin/true' ? '/usr/bin/true' : '/bin/true';
my ($echo, $kid, $rate) = (free_port(), free_port(), free_port());
my $conf = "127.0.0.1:$echo stream tcp nowait nobody internal echo\n"
    . "127.0.0.1:$echo dgram udp wait nobody internal echo\n"
    . "127.0.0.1:$kid stream tcp nowait nobody $sleep sleep 30\n"
    . "127.0.0.1:$rate stream tcp nowait.1 nobody $true true\n";
my $d = Sinetd->start(conf => $conf);
my @children;	# child servers this test caused, killed at the end

# The status lines, as hashes.
sub status_lines {
	my ($out) = @_;
	return map { my %f = /(\w+)=("[^"]*"|\S+)/g; \%f }
	    grep { /^service=/ } split /\n/, $out;
}

subtest 'usage errors exit 2, an absent daemon 3' => sub {
	my ($rc, $out, $err) = $d->ctl();
	is($rc, 2, 'no command');
	like($err, qr/^usage: sinetctl/m, 'and the usage');
	($rc, undef, $err) = $d->ctl('frobnicate');
	is($rc, 2, 'an unknown command');
	like($err, qr/unknown command: frobnicate/, 'named');
	($rc, undef, $err) = $d->ctl('-k', 'status', 'a', 'b');
	is($rc, 2, 'too many arguments');
	($rc) = $d->ctl('disable');
	is($rc, 2, 'disable without a service');
	($rc, undef, $err) = $d->ctl('-k', 'status', "a b");
	is($rc, 2, 'a service with a blank');
	($rc, my $o, $err) = $d->ctl({ socket => $d->dir . '/nothing' },
	    '-k', 'status');
	is($rc, 3, 'no daemon: 3');
	like($err, qr/^sinetctl: cannot reach sinetd at \S+nothing: No such file/,
	    'in one line');
	is(scalar(() = $err =~ /\n/g), 1, 'one line only');
	($rc, $o) = $d->ctl({ socket => $d->dir . '/nothing' }, '-j', 'status');
	is($rc, 3, '-j: 3 as well');
	my $j = eval { decode_json($o) };
	is_deeply([$j->{ok}, $j->{error} =~ /cannot reach/ ? 1 : 0],
	    [JSON::PP::false, 1], '-j: the error object');
};

subtest 'status: every service, a running child with its peer and pid' => sub {
	my ($rc, $out) = $d->ctl('-k', 'status');
	is($rc, 0, 'exit 0');
	my @s = status_lines($out);
	is(scalar(@s), 4, 'one line per service');
	my ($e) = grep { $_->{service} eq $echo && $_->{proto} eq 'tcp' } @s;
	is_deeply([ @$e{qw(addr type wait user program state policy)} ],
	    [ "127.0.0.1:$echo", 'stream', 'nowait', 'nobody',
	      '"internal:echo"', 'listening', 'internal' ], 'the echo line');
	my @w = split /,/, $e->{workers};
	ok(@w >= 1 && !grep({ !pid_alive($_) } @w), 'its workers are alive');
	my %is_child = map { $_ => 1 } $d->workers;
	ok(!grep({ !$is_child{$_} } @w), 'and are the daemon\'s children');
	like($out, qr/^reload at=never result="none since start"$/m,
	    'the reload line');

	is(tcp_talk('127.0.0.1', $echo, "x\n", half_close => 1), "x\n",
	    'an echo');
	my $s = tcp_connect('127.0.0.1', $kid) or die;
	my $local = $s->sockport;
	my $child;
	ok(wait_for(5, sub {
		(undef, $out) = $d->ctl('-k', 'status', $kid);
		($child) = $out =~ /^  child pid=(\d+) peer=127\.0\.0\.1:$local started=\S+$/m;
		$child;
	}), 'status SERVICE shows the child, its peer our port');
	push @children, $child if $child;
	like(slurp("/proc/$child/cmdline"), qr/^sleep\0/, 'the pid is the server');
	my ($k) = status_lines($out);
	is_deeply([ @$k{qw(children accepted spawned)} ], [ 1, 1, 1 ],
	    'children=1 accepted=1 spawned=1');
	(undef, $out) = $d->ctl('-k', 'status', "127.0.0.1:$echo/tcp");
	my @one = status_lines($out);
	is(scalar(@one), 1, 'host:port/tcp selects one line');
	is($one[0]{accepted}, 1, 'where the echo was counted');
	(undef, $out) = $d->ctl('-k', 'status', $echo);
	is(scalar(() = status_lines($out)), 2, 'the port alone selects both');
	my ($rc2, undef, $err) = $d->ctl('-k', 'status', 'nosuch');
	is($rc2, 1, 'a selector that matches nothing: 1');
	like($err, qr/^sinetctl: no service is nosuch$/, 'said so');

	# -j: the same, parsed.
	(my $rc3, $out) = $d->ctl('-j', 'status', $kid);
	is($rc3, 0, '-j status SERVICE');
	my $j = eval { decode_json($out) };
	ok($j, 'is JSON') or diag($out);
	is($j->{version}, 1, 'version 1');
	is($j->{pid}, $d->pid, 'the daemon\'s pid');
	is(scalar(@{ $j->{services} }), 1, 'one service');
	my $js = $j->{services}[0];
	is_deeply([ @$js{qw(service proto addr socket_type user program state)} ],
	    [ "$kid", 'tcp', "127.0.0.1:$kid", 'stream', 'nobody', $sleep,
	      'listening' ], 'its fields');
	ok(!$js->{wait}, 'wait is a boolean false');
	is($js->{children_running}, 1, 'children_running');
	is($js->{counters}{spawned}, 1, 'counters.spawned');
	is_deeply([ map { [ $_->{pid}, $_->{peer} ] } @{ $js->{children} } ],
	    [ [ $child, "127.0.0.1:$local" ] ], 'children: pid and peer');
	like($js->{children}[0]{started}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
	    'started, in UTC');
	close($s);
};

subtest 'status while a service is suspended' => sub {
	# nowait.1: the second spawn within a minute trips the rate.
	my $t0 = time;
	tcp_talk('127.0.0.1', $rate, '', timeout => 1) for 1 .. 2;
	my ($st, $out);
	ok(wait_for(5, sub {
		(undef, $out) = $d->ctl('-k', 'status', $rate);
		($st) = status_lines($out);
		$st->{state} eq 'suspended';
	}), 'state=suspended') or diag($out);
	like($st->{until}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'until, UTC');
	is($st->{why}, 'spawn-rate', 'why=spawn-rate');
	is($st->{rate_trips}, 1, 'rate_trips=1');
	my ($y, $mo, $dd, $h, $mi, $sec) = $st->{until} =~ /(\d+)/g;
	require Time::Local;
	my $until = Time::Local::timegm($sec, $mi, $h, $dd, $mo - 1, $y);
	ok($until >= $t0 + 500 && $until <= time + 601,
	    'until is the suspension (600 s) from now');
	my (undef, $m) = $d->ctl('metrics');
	like($m, qr/^sinetd_up\{service="$rate",proto="tcp",addr="127\.0\.0\.1:$rate"\} 0$/m,
	    'and sinetd_up is 0');
	my (undef, $js) = $d->ctl('-j', 'status', $rate);
	my $j = decode_json($js);
	is($j->{services}[0]{state}, 'suspended', 'JSON: suspended');
	is($j->{services}[0]{why}, 'spawn-rate', 'JSON: why');
};

# The Prometheus text exposition format, version 0.0.4, line by line.
subtest 'metrics: the exposition format' => sub {
	my ($rc, $out) = $d->ctl('metrics');
	is($rc, 0, 'exit 0');
	like($out, qr/\n\z/, 'ends with a newline');
	my (%type, %help, %seen, $bad);
	my $name_re = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
	my $label_re = qr/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"/;
	for my $line (split /\n/, $out) {
		if ($line =~ /^# HELP ($name_re) (.+)$/) {
			$bad .= "two HELP: $line\n" if $help{$1}++;
		} elsif ($line =~ /^# TYPE ($name_re) (counter|gauge)$/) {
			$bad .= "TYPE after samples: $line\n" if $seen{$1};
			$type{$1} = $2;
		} elsif ($line =~ /^($name_re)\{($label_re(?:,$label_re)*)\} (\d+)$/) {
			my ($n, $labels) = ($1, $2);
			$bad .= "no TYPE before: $line\n" unless $type{$n};
			$bad .= "counter not _total: $line\n"
			    if ($type{$n} // '') eq 'counter' && $n !~ /_total$/;
			$seen{$n}{$labels}++ and $bad .= "duplicate: $line\n";
		} else {
			$bad .= "not the format: $line\n";
		}
	}
	ok(!$bad, 'every line is a HELP, a TYPE or a sample') or diag($bad);
	for my $n (qw(sinetd_up sinetd_workers sinetd_children
	    sinetd_accepted_total sinetd_spawned_total sinetd_exec_failed_total
	    sinetd_max_child_reached_total sinetd_rate_trips_total
	    sinetd_violations_total sinetd_refused_total sinetd_reloads_total)) {
		ok($type{$n} && $help{$n}, "$n has a TYPE and a HELP");
	}
	is(scalar(keys %{ $seen{sinetd_up} }), 4, 'sinetd_up for each service');
	like($out, qr/^sinetd_accepted_total\{service="$echo",proto="tcp",addr="127\.0\.0\.1:$echo"\} 1$/m,
	    'accepted_total agrees with status');
	like($out, qr/^sinetd_refused_total\{service="$rate",proto="tcp",addr="127\.0\.0\.1:$rate",reason="suspended"\} \d+$/m,
	    'refused_total has a reason label');
	like($out, qr/^sinetd_reloads_total\{result="done"\} 0$/m, 'no reload yet');
};

subtest 'disable and enable: runtime only' => sub {
	my ($rc, $out) = $d->ctl('disable', "$echo/tcp");
	is($rc, 0, 'disable exit 0');
	is($out, "disabled 1 service\n", 'says how many');
	my $got = tcp_talk('127.0.0.1', $echo, "x\n", half_close => 1);
	ok(!defined($got) || $got eq '', 'the TCP echo is refused');
	is(Sinetd::udp_ask('127.0.0.1', $echo, 'u'), 'u', 'the UDP one serves');
	(undef, $out) = $d->ctl('-k', 'status', "$echo/tcp");
	my ($st) = status_lines($out);
	is($st->{state}, 'disabled', 'state=disabled');
	ok($st->{refused_disabled} >= 1, 'refused_disabled counts it');
	ok($d->wait_log(qr/disabled by sinetctl service=$echo proto=tcp /),
	    'logged');
	unlike(slurp($d->{conf}), qr/#/, 'the file is not touched');
	($rc, $out) = $d->ctl('-j', 'enable', "$echo/tcp");
	is_deeply(decode_json($out), { enabled => 1 }, 'enable, as JSON');
	is(tcp_talk('127.0.0.1', $echo, "y\n", half_close => 1), "y\n",
	    'the echo serves again');
	($rc, undef, my $err) = $d->ctl('enable', 'nosuch/udp');
	is($rc, 1, 'enable of nothing: 1');
};

subtest 'reload: the result, and a refused one exits 1' => sub {
	my $new = free_port();
	write_file($d->{conf}, $conf
	    . "127.0.0.1:$new stream tcp nowait nobody internal daytime\n");
	my ($rc, $out) = $d->ctl('reload');
	is($rc, 0, 'exit 0');
	is($out, "reload done: kept=4 changed=0 added=1 removed=0 failed=0\n",
	    'it waits for the result');
	ok(length(tcp_talk('127.0.0.1', $new, '') // '') > 0,
	    'the added service serves at once');
	write_file($d->{conf}, $conf . "127.0.0.1:$new stream tcp nowait nobody internal bogus\n");
	($rc, $out, my $err) = $d->ctl('reload');
	is($rc, 1, 'a broken configuration: exit 1');
	like($err, qr/^sinetctl: reload refused: \S+inetd\.conf:5: /,
	    'with the file and line');
	($rc, $out) = $d->ctl('-j', 'reload');
	is($rc, 1, '-j too');
	like(decode_json($out)->{error}, qr/^reload refused/, 'as JSON');
	(undef, $out) = $d->ctl('-k', 'status', $new);
	like($out, qr/^reload at=\S+Z result="refused: /m,
	    'status shows the last reload');
	is(length(tcp_talk('127.0.0.1', $new, '') // '') > 0, 1,
	    'and the running daytime is untouched');
	(undef, $out) = $d->ctl('metrics');
	like($out, qr/^sinetd_reloads_total\{result="done"\} 1$/m, 'done 1');
	like($out, qr/^sinetd_reloads_total\{result="refused"\} 2$/m,
	    'refused 2');
	write_file($d->{conf}, $conf);
	($rc, $out) = $d->ctl('-j', 'reload');
	is_deeply(decode_json($out),
	    { reload => 'done: kept=4 changed=0 added=0 removed=1 failed=0' },
	    'JSON reload result');
};

# A raw client: what it sends, what comes back.
sub raw {
	my ($send, %o) = @_;
	my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM,
	    Peer => $d->ctl_socket) or return "connect: $!";
	syswrite($s, $send) if length $send;
	return Sinetd::read_some($s, 1 << 20, $o{timeout} // 3);
}

subtest 'malformed, huge and slow requests' => sub {
	like(raw("hello\n"), qr/^error malformed request/, 'garbage');
	like(raw("sinetctl/2 text status\n"), qr/^error malformed/,
	    'an unknown version');
	like(raw("sinetctl/1 xml status\n"), qr/^error malformed/,
	    'an unknown format');
	like(raw("sinetctl/1 text status\x01\n"), qr/^error request with control/,
	    'a control character');
	like(raw("sinetctl/1 text rm -rf\n"), qr/^error unknown command/,
	    'an unknown command');
	like(raw('x' x 100000), qr/^error request longer than 1023 bytes/,
	    'a request too long');
	like(raw("sinetctl/1 text status " . ('a' x 2000) . "\n"),
	    qr/^error request longer/, 'an argument too long');
	# Sixteen clients that say nothing: the next is told it is busy,
	# and the daemon serves on.
	my @idle = map { IO::Socket::UNIX->new(Type => SOCK_STREAM,
	    Peer => $d->ctl_socket) } 1 .. 16;
	is(scalar(grep { defined } @idle), 16, 'sixteen idle clients');
	sleep(0.3);
	like(raw("sinetctl/1 text status\n", timeout => 2), qr/^error busy/,
	    'the seventeenth is told busy');
	is(tcp_talk('127.0.0.1', $echo, "z\n", half_close => 1), "z\n",
	    'the services serve meanwhile');
	my $t0 = time;
	like(Sinetd::read_some($idle[0], 4096, 8), qr/^error request too slow/,
	    'an idle client is told it was too slow');
	ok(time - $t0 < 7, 'within the 5 s deadline');
	close($_) for @idle;
	ok(wait_for(3, sub { ($d->ctl('-k', 'status'))[0] == 0 }),
	    'and then the daemon answers again');
	ok(pid_alive($d->pid), 'it is alive');
};

subtest 'a client of another uid is refused' => sub {
	plan skip_all => 'changing uid needs root' if !privileged();
	plan skip_all => 'no user nobody' unless defined getpwnam('nobody');
	my ($rc, $out, $err) = $d->ctl({ as => 'nobody' }, '-k', 'status');
	is($rc, 3, 'the 0600 socket: nobody cannot even connect');
	like($err, qr/Permission denied/, 'and is told so');
	# Past the file mode, the daemon checks the peer's uid itself.
	chmod(0666, $d->ctl_socket) or die;
	chmod(0711, $d->dir) or die;
	($rc, $out, $err) = $d->ctl({ as => 'nobody' }, '-k', 'status');
	is($rc, 1, 'past the mode: the daemon says no');
	like($err, qr/^sinetctl: permission denied$/, 'permission denied');
	is($out, '', 'and nothing else');
	ok($d->wait_log(qr/control connection refused peer_uid=\d+ peer_pid=\d+ reason=not-root-or-ours/),
	    'a log line names the uid');
	($rc, $out, $err) = $d->ctl({ as => 'nobody' }, 'stop');
	is($rc, 1, 'nobody cannot stop it');
	ok(pid_alive($d->pid), 'it runs on');
	chmod(0600, $d->ctl_socket);
	($rc) = $d->ctl('-k', 'status');
	is($rc, 0, 'root still can');
};

subtest 'stop: the daemon ends, the child servers do not' => sub {
	my $s = tcp_connect('127.0.0.1', $kid) or die;
	my $child;
	wait_for(5, sub {
		my (undef, $out) = $d->ctl('-k', 'status', $kid);
		($child) = $out =~ /child pid=(\d+)/;
	});
	ok($child, 'a child runs');
	push @children, $child if $child;
	my ($rc, $out) = $d->ctl('stop');
	is($rc, 0, 'stop exit 0');
	is($out, "stopping\n", 'says so');
	ok(wait_for(15, sub { $d->exited }), 'the daemon exits');
	is($d->{status} >> 8, 0, 'with status 0');
	ok(pid_alive($child), 'the child server runs on');
	ok(!-e $d->ctl_socket, 'the socket is gone');
	($rc) = $d->ctl('-k', 'status');
	is($rc, 3, 'and sinetctl cannot reach it: 3');
	close($s);
};

subtest 'a worker that floods the log is limited, and every line counted' => sub {
	my $port = free_port();
	my $f = Sinetd->start(args => ['-l'],
	    conf => "127.0.0.1:$port dgram udp wait nobody internal discard\n");
	my $sock = IO::Socket::IP->new(PeerHost => '127.0.0.1',
	    PeerPort => $port, Type => Socket::SOCK_DGRAM) or die;
	my $n = 3000;
	my $taken = sub {
		my (undef, $out) = $f->ctl('-k', 'status');
		return (status_lines($out))[0]{accepted} // 0;
	};
	for my $i (1 .. $n) {
		send($sock, "d$i", 0);
		sleep(0.001) if $i % 100 == 0;	# the socket buffer keeps up
		# and on a loaded machine, the worker too
		wait_for(5, sub { $taken->() >= $i - 250 }) if $i % 500 == 0;
	}
	my $accepted;
	wait_for(5, sub {
		my (undef, $out) = $f->ctl('-k', 'status');
		my ($st) = status_lines($out);
		my $was = $accepted // -1;
		$accepted = $st->{accepted};
		sleep(0.3);
		$accepted == $was;
	});
	ok($accepted > 1000, "the worker took $accepted of $n datagrams");
	is($f->stop >> 8, 0, 'the daemon stops');
	my $log = $f->log_text;
	my $request = worker_said($port,
	    qr/request peer=127\.0\.0\.1:\d+ bytes=\d+"/);
	my $logged = () = $log =~ /$request/g;
	my ($dropped, $rl, $cf) = (0, 0, 0);
	while ($log =~ /worker log lines dropped count=(\d+) rate_limited=(\d+) channel_full=(\d+) service=$port /g) {
		$dropped += $1;
		$rl += $2;
		$cf += $3;
	}
	ok($dropped > 0, "lines were dropped ($rl by the rate limit, $cf by a full channel)");
	ok($logged < $accepted, "fewer were logged ($logged)");
	is($logged + $dropped, $accepted,
	    'logged + dropped = every request the worker took');
	is($rl + $cf, $dropped, 'and count is the sum of the two');
};

# Every line: a message, then key=value fields, a value quoted when it
# has blanks or quotes.
subtest 'every log line is a message and key=value fields' => sub {
	my $field = qr/[a-z_]+=(?:"(?:[^"\\]|\\.)*"|[^\s"]+)/;
	my @bad = grep { !/^${LOG_HEAD}[^=]+?(?: $field)*$/ }
	    map { split /\n/, $_->log_text } $d, Sinetd::daemons();
	is(scalar(@bad), 0, 'all of them') or diag(join("\n", @bad[0 .. 9]));
};

kill('KILL', grep { pid_alive($_) } @children);
done_testing();
