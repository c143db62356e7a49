# SPDX-License-Identifier: ISC
# Pools by sandbox identity: ten internal services on one pool's workers;
# a service whose policy differs, or says isolate, in a pool of its own;
# disable refuses one service of a shared pool only; a reload that changes
# one service of a shared pool keeps the others' workers and every open
# session; a cold pool starts at its first connection, quickly.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time sleep);
use Sinetd;

my @builtins = qw(echo discard chargen daytime time);

# The status lines, as hashes.
sub status_lines {
	my ($d) = @_;
	my (undef, $out) = $d->ctl('-k', 'status');
	return map { my %f = /(\w+)=("[^"]*"|\S+)/g; \%f }
	    grep { /^service=/ } split /\n/, $out;
}

sub by_port {
	my ($d) = @_;
	my %s;
	for my $l (status_lines($d)) {
		my ($port) = $l->{addr} =~ /:(\d+)$/;
		$s{"$port/$l->{proto}"} = $l;
	}
	return %s;
}

sub nworkers { my @w = $_[0]->workers; return scalar(@w) }

# A policy directory: the baseline, and NAME => text.
sub policies {
	my (%files) = @_;
	my $dir = tempdir(CLEANUP => 1);
	write_file("$dir/default.policy", Sinetd::default_policy());
	write_file("$dir/$_.policy", $files{$_}) for keys %files;
	return $dir;
}

# An echo session that must go on answering.
sub session {
	my ($port) = @_;
	my $s = Sinetd::tcp_connect('127.0.0.1', $port) or return undef;
	return $s;
}

sub still_echoes {
	my ($s, $what) = @_;
	syswrite($s, "$what\n") or return 0;
	return Sinetd::read_some($s, length($what) + 1, 2) eq "$what\n";
}

subtest 'ten internal services run on one pool of workers' => sub {
	my @p = map { free_port() } 1 .. 5;
	my $conf = join '', map {
		"127.0.0.1:$p[$_] stream tcp nowait nobody internal $builtins[$_]\n"
		    . "127.0.0.1:$p[$_] dgram udp wait nobody internal $builtins[$_]\n"
	} 0 .. 4;
	my $d = Sinetd->start(args => ['-o', 'workers=3'], conf => $conf);
	like($d->log_text, qr/ready: 10 services\n/, 'ten services ready');
	my @w = $d->workers;
	is(scalar(@w), 3, 'three processes serve them all (workers=3), not '
	    . 'a pool each');
	for my $pid (@w) {
		my $c = Sinetd::cmdline($pid);
		my $n = () = $c =~ /service=\d+ proto=(?:tcp|udp) /g;
		is($n, 10, "worker $pid lists every one of the ten");
	}
	my %s = by_port($d);
	my %pools = map { $_->{pool} => 1 } values %s;
	is(scalar(keys %pools), 1, 'status names one pool for all ten');
	# A datagram is answered in one call: workers sharing a UDP socket
	# only take turns at it. Each has one reader, the pool's in turn.
	my @readers = map { $s{"$_/udp"}{workers} } @p;
	is(scalar(grep { my $r = $_; $r =~ /^\d+$/ && grep { $_ == $r } @w }
	    @readers), 5, 'each UDP service is read by one worker of the pool')
	    or diag("@readers");
	my %by = map { $_ => 1 } @readers;
	is(scalar(keys %by), 3, 'the five spread over the three workers');
	is(join(',', sort { $a <=> $b } split /,/, $s{"$p[0]/tcp"}{workers}),
	    join(',', sort { $a <=> $b } @w), 'a TCP service\'s workers are '
	    . 'all the pool\'s');
	is(Sinetd::udp_ask('127.0.0.1', $p[$_], 'u') // '', 'u',
	    "UDP $builtins[$_] answers") for grep { $builtins[$_] eq 'echo' } 0 .. 4;
	is(Sinetd::tcp_talk('127.0.0.1', $p[0], "a\n", half_close => 1),
	    "a\n", 'echo over TCP');
	is(Sinetd::udp_ask('127.0.0.1', $p[0], 'b'), 'b', 'echo over UDP');
	like(Sinetd::tcp_talk('127.0.0.1', $p[3], undef) // '',
	    qr/\d\d:\d\d:\d\d/, 'daytime over TCP');
	is(length(Sinetd::udp_ask('127.0.0.1', $p[4], 'x') // ''), 4,
	    'time over UDP');
	is(length(Sinetd::tcp_talk('127.0.0.1', $p[2], undef, max => 74) //
	    ''), 74, 'chargen over TCP');
	is(nworkers($d), 3, 'and still three processes');
	# Its one reader dies: its replacement reads the socket again.
	my $reader = $s{"$p[0]/udp"}{workers};
	kill('KILL', $reader);
	my $new;
	ok(wait_for(5, sub {
		$new = { by_port($d) }->{"$p[0]/udp"}{workers} // '';
		$new =~ /^\d+$/ && $new != $reader &&
		    (Sinetd::udp_ask('127.0.0.1', $p[0], 'again',
		    timeout => 0.5) // '') eq 'again';
	}), 'its reader killed, a new one answers') or diag($new);
	is(nworkers($d), 3, 'three processes again');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a different policy, or isolate, gets a pool of its own' => sub {
	my ($a, $b, $c, $e) = map { free_port() } 1 .. 4;
	my $pol = policies($b => "idle-timeout 60\n", $c => "isolate\n");
	my $d = Sinetd->start(args => ['-o', 'workers=2', '-P', $pol],
	    conf => <<"EOF");
127.0.0.1:$a stream tcp nowait nobody internal echo
127.0.0.1:$e stream tcp nowait nobody internal discard
127.0.0.1:$b stream tcp nowait nobody internal echo
127.0.0.1:$c stream tcp nowait nobody internal echo
EOF
	my %s = by_port($d);
	is($s{"$a/tcp"}{pool}, $s{"$e/tcp"}{pool},
	    'the same policy: one pool');
	isnt($s{"$b/tcp"}{pool}, $s{"$a/tcp"}{pool},
	    'a policy that differs (idle-timeout): another');
	isnt($s{"$c/tcp"}{pool}, $s{"$a/tcp"}{pool},
	    'isolate, though its policy is the same otherwise: another');
	isnt($s{"$c/tcp"}{pool}, $s{"$b/tcp"}{pool}, 'and not the third');
	my %w;
	$w{$_} = { map { $_ => 1 } split /,/, $s{"$_/tcp"}{workers} }
	    for ($a, $b, $c);
	# The escape: a process of the shared pool serving the isolated one.
	my @shared = grep { $w{$c}{$_} } keys %{ $w{$a} };
	is(scalar(@shared), 0, 'no worker of the shared pool serves the '
	    . 'isolated service');
	my @in_c = grep { Sinetd::cmdline($_) =~ /addr=127\.0\.0\.1:$c / }
	    $d->workers;
	is_deeply([sort @in_c], [sort keys %{ $w{$c} }],
	    'only its own workers hold its socket');
	is(nworkers($d), 6, 'three pools of two workers');
	is(Sinetd::tcp_talk('127.0.0.1', $c, "i\n", half_close => 1), "i\n",
	    'the isolated service serves');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'disable refuses one service of a shared pool only' => sub {
	my ($a, $b) = (free_port(), free_port());
	my $d = Sinetd->start(args => ['-o', 'workers=2'], conf => <<"EOF");
127.0.0.1:$a stream tcp nowait nobody internal echo
127.0.0.1:$b stream tcp nowait nobody internal echo
127.0.0.1:$b dgram udp wait nobody internal echo
EOF
	my %s = by_port($d);
	is($s{"$a/tcp"}{pool}, $s{"$b/tcp"}{pool}, 'one pool');
	my ($rc) = $d->ctl('disable', "$a/tcp");
	is($rc, 0, 'disable one');
	my $got = Sinetd::tcp_talk('127.0.0.1', $a, "x\n", half_close => 1);
	ok(!defined($got) || $got eq '', 'it is refused');
	is(Sinetd::tcp_talk('127.0.0.1', $b, "y\n", half_close => 1), "y\n",
	    'the other service of its pool serves');
	is(Sinetd::udp_ask('127.0.0.1', $b, 'u'), 'u', 'and the UDP one');
	%s = by_port($d);
	is($s{"$a/tcp"}{state}, 'disabled', 'status: disabled');
	is($s{"$b/tcp"}{state}, 'listening', 'the other: listening');
	ok($s{"$a/tcp"}{refused_disabled} >= 1, 'counted for it');
	is($s{"$b/tcp"}{refused_disabled}, 0, 'not for the other');
	$d->ctl('enable', "$a/tcp");
	is(Sinetd::tcp_talk('127.0.0.1', $a, "z\n", half_close => 1), "z\n",
	    'enabled, it serves again');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a reload that changes one service keeps the others' => sub {
	my ($a, $b, $c) = map { free_port() } 1 .. 3;
	my $conf = "127.0.0.1:$a stream tcp nowait nobody internal echo\n"
	    . "127.0.0.1:$b stream tcp nowait nobody internal echo\n"
	    . "127.0.0.1:$c stream tcp nowait nobody internal echo\n";
	my $d = Sinetd->start(args => ['-o', 'workers=2'], conf => $conf);
	my %s = by_port($d);
	my @before = sort split /,/, $s{"$a/tcp"}{workers};
	my ($sa, $sb) = (session($a), session($b));
	ok(still_echoes($sa, 'a1') && still_echoes($sb, 'b1'),
	    'two sessions open');
	# b changes (a builtin's line: discard), a and c do not.
	write_file($d->{conf}, $conf =~ s/(:$b stream tcp nowait nobody internal) echo/$1 discard/r);
	my ($rc, $out) = $d->ctl('reload');
	is($rc, 0, 'reload');
	like($out, qr/kept=2 changed=1 added=0 removed=0/, 'one changed');
	%s = by_port($d);
	is_deeply([sort split /,/, $s{"$a/tcp"}{workers}], \@before,
	    'an unchanged service keeps its workers (the same pids)');
	is($s{"$a/tcp"}{pool}, $s{"$c/tcp"}{pool}, 'and its pool');
	isnt($s{"$b/tcp"}{pool}, $s{"$a/tcp"}{pool},
	    'the changed one is in a new pool');
	ok(kill(0, @before) == @before, 'the old workers run on');
	ok(still_echoes($sa, 'a2'), 'a session of an unchanged service '
	    . 'still echoes');
	ok(still_echoes($sb, 'b2'), 'and so does the changed one\'s, on '
	    . 'its old worker: a reload closes no session');
	is(Sinetd::tcp_talk('127.0.0.1', $b, "gone\n", half_close => 1), '',
	    'a new connection to it gets the new line (discard)');
	is(Sinetd::tcp_talk('127.0.0.1', $c, "c\n", half_close => 1), "c\n",
	    'the third serves on');
	close($_) for $sa, $sb;
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a wait service has one worker whatever its policy says' => sub {
	my $sleep = -x '/usr/bin/sleep' ? '/usr/bin/sleep' : '/bin/sleep';
	my ($w, $n) = (free_port(), free_port());
	my $pol = policies(sleep => Sinetd::default_policy() . "workers 4\n");
	my $d = Sinetd->start(args => [ '-P', $pol ], conf =>
	    "127.0.0.1:$w stream tcp wait nobody $sleep sleep 5\n"
	    . "127.0.0.1:$n stream tcp nowait nobody $sleep sleep 5\n");
	# A second worker on a wait socket would start a second child.
	is(nworkers($d), 1 + 4, 'wait: one; nowait: the policy\'s 4');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'an external line on two addresses: one pool, each its own children' => sub {
	my $cat = -x '/usr/bin/cat' ? '/usr/bin/cat' : '/bin/cat';
	my ($p, $q, $r) = (free_port(), free_port(), free_port());
	my $d = Sinetd->start(conf =>
	    "127.0.0.1,[::1]:$p stream tcp nowait/8/0/1 nobody $cat cat\n"
	    . "127.0.0.1:$q stream tcp nowait nobody $cat cat -u\n"
	    . "127.0.0.1:$r stream tcp wait nobody $cat cat\n",
	    args => [ '-o', 'workers=3' ]);
	my %s;
	for my $l (status_lines($d)) {
		my ($host, $port) = $l->{addr} =~ /^(.*):(\d+)$/;
		$s{"$host/$port"} = $l;
	}
	is($s{"127.0.0.1/$p"}{pool}, $s{"[::1]/$p"}{pool},
	    'the two addresses of one line: one pool');
	isnt($s{"127.0.0.1/$q"}{pool}, $s{"127.0.0.1/$p"}{pool},
	    'a line that runs its program otherwise: another');
	# nowait: spawns run side by side in -o workers workers; wait: one
	# child at a time holds the socket, so one worker.
	is(nworkers($d), 3 + 3 + 1, 'nowait pools: -o workers each; wait: one');
	my $v4 = Sinetd::tcp_connect('127.0.0.1', $p);
	my $v6 = Sinetd::tcp_connect('::1', $p);
	syswrite($_, "hi\n") for $v4, $v6;
	is(Sinetd::read_some($v4, 3, 2), "hi\n", 'the IPv4 socket serves');
	is(Sinetd::read_some($v6, 3, 2), "hi\n", 'and the IPv6 one');
	# max-perip 1 holds per service: a second client from ::1 is refused.
	my $again = Sinetd::tcp_talk('::1', $p, "x\n", timeout => 1);
	ok(!defined($again) || $again eq '', 'max-perip holds for each');
	my %c;
	ok(wait_for(5, sub {
		%c = ();
		for my $l (status_lines($d)) {
			my ($host, $port) = $l->{addr} =~ /^(.*):(\d+)$/;
			$c{"$host/$port"} = $l->{children};
		}
		($c{"127.0.0.1/$p"} // 0) == 1 && ($c{"[::1]/$p"} // 0) == 1;
	}), 'each service counts its own child')
	    or diag(join ' ', %c);
	close($_) for $v4, $v6;
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a cold pool starts at its first connection' => sub {
	my ($a, $u) = (free_port(), free_port());
	my $d = Sinetd->start(lazy => 1, args => ['-o', 'workers=2'],
	    conf => "127.0.0.1:$a stream tcp nowait nobody internal echo\n"
	    . "127.0.0.1:$u dgram udp wait nobody internal echo\n");
	like($d->log_text, qr/ready: 2 services\n/, 'ready: bound and watched');
	is(nworkers($d), 0, 'no worker before a client comes');
	my %s = by_port($d);
	is($s{"$a/tcp"}{state}, 'listening', 'listening meanwhile');
	my $t0 = time;
	my $got = Sinetd::tcp_talk('127.0.0.1', $a, "first\n", half_close => 1);
	my $ms = (time - $t0) * 1000;
	is($got, "first\n", 'the first connection is answered');
	diag(sprintf 'first connection to a cold pool: %.1f ms', $ms);
	ok($ms < 500, 'within a few milliseconds (under 500 here, loaded)');
	is(nworkers($d), 2, 'and the pool\'s workers run now');
	is(Sinetd::udp_ask('127.0.0.1', $u, 'd'), 'd',
	    'they serve its other socket too');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a cold UDP pool starts at its first datagram' => sub {
	my $u = free_port();
	my $d = Sinetd->start(lazy => 1,
	    conf => "127.0.0.1:$u dgram udp wait nobody internal echo\n");
	is(nworkers($d), 0, 'no worker yet');
	is(Sinetd::udp_ask('127.0.0.1', $u, 'q'), 'q',
	    'the datagram that woke it is answered');
	is($d->stop >> 8, 0, 'clean stop');
};

done_testing();
