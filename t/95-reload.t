# SPDX-License-Identifier: ISC
# Reload on SIGHUP without losing a connection, and supervision that heals:
# services added, changed and removed under load, broken reloads that
# change nothing, /etc/services read again, workers killed and crashing,
# and the master killed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(time sleep);
use Sinetd;

my $load = build_dir() . '/bench/load';
plan skip_all => 'no build/bench/load (make check builds it)' unless -x $load;
my $printf = -x '/usr/bin/printf' ? '/usr/bin/printf' : '/bin/printf';
my $cat = -x '/usr/bin/cat' ? '/usr/bin/cat' : '/bin/cat';

# The load generator in the background: its result line when it ends.
sub load_start {
	my ($port, $seconds, $clients) = @_;
	my $out = File::Temp->new;
	my $pid = fork() // die;
	if ($pid == 0) {
		open(STDOUT, '>', $out->filename);
		{ no warnings 'exec'; exec($load, '-m', 'echo', '-p', $port,
		    '-c', $clients // 4, '-d', $seconds); }
		POSIX::_exit(127);
	}
	return { pid => $pid, out => $out };
}

sub load_result {
	my ($l) = @_;
	waitpid($l->{pid}, 0);
	my %r = slurp($l->{out}->filename) =~ /(\w+)=(\S+)/g;
	return \%r;
}

sub reload_and_wait {
	my ($d, $n) = @_;
	kill('HUP', $d->pid);
	return wait_for(10, sub { $d->count_log(qr/reload done/) >= $n });
}

subtest 'ten reloads under load: adds, changes, removes' => sub {
	my ($echo, $xcat, $chg) = (free_port(), free_port(), free_port());
	my @added = map { free_port() } 0 .. 10;
	my $conf = sub {
		my ($round) = @_;
		return "127.0.0.1:$echo stream tcp nowait nobody internal echo\n"
		    . "127.0.0.1:$xcat stream tcp nowait.1000000 nobody $cat cat\n"
		    . "127.0.0.1:$chg stream tcp nowait nobody $printf printf v$round\n"
		    . "127.0.0.1:$added[$round] stream tcp nowait nobody internal time\n";
	};
	my $d = Sinetd->start(conf => $conf->(0));
	my $le = load_start($echo, 9);
	my $lc = load_start($xcat, 9);
	sleep(0.5);
	for my $round (1 .. 10) {
		write_file($d->{conf}, $conf->($round));
		ok(reload_and_wait($d, $round), "reload $round is done");
		is(Sinetd::tcp_talk('127.0.0.1', $chg, undef), "v$round",
		    "reload $round: the changed service answers anew");
		is(length(Sinetd::tcp_talk('127.0.0.1', $added[$round], undef) // ''),
		    4, "reload $round: the added service answers");
		ok(!Sinetd::tcp_connect('127.0.0.1', $added[$round - 1], timeout => 1),
		    "reload $round: the removed one refuses");
	}
	my ($re, $rc) = (load_result($le), load_result($lc));
	cmp_ok($re->{ops}, '>', 1000, "load on the unchanged internal echo: $re->{ops} exchanges");
	is($re->{errors}, 0, 'and not one failed');
	cmp_ok($rc->{ops}, '>', 100, "load on the unchanged /bin/cat: $rc->{ops} exchanges");
	is($rc->{errors}, 0, 'and not one failed');
	like($d->log_text, qr/reload done kept=2 changed=1 added=1 removed=1 failed=0/,
	    'the barrier logs its counts');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a changed service under load: nothing refused across its pools' => sub {
	my $p = free_port();
	my $d = Sinetd->start(conf =>
	    "127.0.0.1:$p stream tcp nowait.1000000 nobody $cat cat\n");
	my $l = load_start($p, 6);
	sleep(0.5);
	for my $round (1 .. 5) {
		write_file($d->{conf}, "127.0.0.1:$p stream tcp nowait.1000000 nobody $cat cat"
		    . ($round % 2 ? ' -u' : '') . "\n");
		ok(reload_and_wait($d, $round), "reload $round");
		sleep(0.3);
	}
	my $r = load_result($l);
	cmp_ok($r->{ops}, '>', 100, "$r->{ops} exchanges");
	is($r->{errors}, 0, 'not one refused or lost');
	is($d->count_log(qr/changed=1/), 5, 'each reload changed it');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a broken reload changes nothing' => sub {
	my ($a, $b) = (free_port(), free_port());
	my $dir = tempdir(CLEANUP => 1);
	mkdir("$dir/policy");
	my $good = "127.0.0.1:$a stream tcp nowait nobody internal echo\n"
	    . "127.0.0.1:$b stream tcp nowait.1000000 nobody $cat cat\n";
	my $d = Sinetd->start(args => ['-P', "$dir/policy"], conf => $good);
	write_file($d->{conf}, $good . "127.0.0.1:9 stream tcpx nowait nobody internal echo\n");
	kill('HUP', $d->pid);
	ok($d->wait_log(qr{reload refused: \S+inetd\.conf:3: protocol: unknown protocol "tcpx"}),
	    'a broken line: refused, with file:line');
	write_file($d->{conf}, $good);
	write_file("$dir/policy/$b.policy", "deny \@nosuchgroup\n");
	kill('HUP', $d->pid);
	ok($d->wait_log(qr{reload refused: \S+/$b\.policy:1: deny: unknown group}),
	    'a broken policy: refused, with file:line');
	is($d->count_log(qr/reload done/), 0, 'nothing was applied');
	is(Sinetd::tcp_talk('127.0.0.1', $a, "a\n", half_close => 1), "a\n",
	    'the old services answer');
	is(Sinetd::tcp_talk('127.0.0.1', $b, "b\n", half_close => 1), "b\n",
	    'all of them');
	unlink("$dir/policy/$b.policy");
	ok(reload_and_wait($d, 1), 'once fixed, a reload applies');
	is($d->stop >> 8, 0, 'clean stop');
};

# A reload asked for while the last one is still applied (its new pool
# not yet READY) is queued, not refused: an edit and its SIGHUP are never
# lost, and a sinetctl reload waits for the reload that read its edit.
subtest 'a reload asked for during another is queued, and reads the files then' => sub {
	my $hooks = build_dir() . '/t/sinetd-hooks';
	plan skip_all => 'no build/t/sinetd-hooks' unless -x $hooks;
	my ($a, $slow, $b, $c) = (free_port(), free_port(), free_port(),
	    free_port());
	# A line with the argument -s sets up for two seconds (external.c):
	# each reload that changes it stays pending that long.
	local $ENV{SINETD_TEST_SLOW_SETUP_FOR} = '-s';
	my $base = "127.0.0.1:$a stream tcp nowait nobody internal echo\n";
	my $slowline = sub { "127.0.0.1:$slow stream tcp nowait nobody $cat cat -s $_[0]\n" };
	my $d = Sinetd->start(bin => $hooks, conf => $base);
	write_file($d->{conf}, $base . $slowline->('-u'));
	kill('HUP', $d->pid);
	ok($d->wait_log(qr/reload signal=HUP/), 'a reload starts');
	write_file($d->{conf}, $base . $slowline->('-u')
	    . "127.0.0.1:$b stream tcp nowait nobody internal time\n");
	kill('HUP', $d->pid);
	ok($d->wait_log(qr/reload queued: the last one is still being applied signal=HUP/),
	    'a second SIGHUP meanwhile is queued') or diag($d->log_text);
	is($d->count_log(qr/reload refused/), 0, 'not refused');
	ok(wait_for(10, sub { length(Sinetd::tcp_talk('127.0.0.1', $b, undef,
	    timeout => 1) // '') == 4 }), 'the edit it was sent for is applied')
	    or diag($d->log_text);
	ok(wait_for(10, sub { $d->count_log(qr/reload done/) >= 2 }),
	    'two reloads done, one after the other');
	# sinetctl reload during a pending one waits for the queued one.
	write_file($d->{conf}, $base . $slowline->('-v')
	    . "127.0.0.1:$b stream tcp nowait nobody internal time\n");
	kill('HUP', $d->pid);
	ok(wait_for(10, sub { $d->count_log(qr/reload signal=HUP/) >= 3 }),
	    'a third reload starts');
	write_file($d->{conf}, $base . $slowline->('-v')
	    . "127.0.0.1:$b stream tcp nowait nobody internal time\n"
	    . "127.0.0.1:$c stream tcp nowait nobody internal echo\n");
	my ($rc, $out, $err) = $d->ctl('reload');
	is($rc, 0, 'sinetctl reload meanwhile succeeds') or diag($out . $err);
	like($out, qr/reload done: .*added=1/, 'with the result of the reload that read its edit');
	is(Sinetd::tcp_talk('127.0.0.1', $c, "c\n", half_close => 1, timeout => 2),
	    "c\n", 'which serves when sinetctl returns');
	# A queued reload that finds an error is refused, and says so.
	write_file($d->{conf}, $base . $slowline->('-w'));
	kill('HUP', $d->pid);
	ok(wait_for(10, sub { $d->count_log(qr/reload signal=HUP/) >= 4 }),
	    'a fourth reload starts');
	write_file($d->{conf}, $base . "127.0.0.1:9 stream tcpx nowait nobody internal echo\n");
	($rc, $out, $err) = $d->ctl('reload');
	isnt($rc, 0, 'a queued reload of a broken file fails sinetctl');
	like($out . $err, qr/refused: \S+inetd\.conf:2: protocol: unknown protocol/,
	    'naming the error');
	is(Sinetd::tcp_talk('127.0.0.1', $a, "a\n", half_close => 1), "a\n",
	    'and the services serve on');
	# A stop while a reload is queued: the sinetctl that waits for it
	# hears so, at once.
	write_file($d->{conf}, $base . $slowline->('-x'));
	kill('HUP', $d->pid);
	ok(wait_for(10, sub { $d->count_log(qr/reload signal=HUP/) >= 5 }),
	    'a fifth reload starts');
	my $answer = File::Temp->new;
	my $queued = $d->count_log(qr/reload queued: .* by=sinetctl/);
	my $asker = fork() // die;
	if ($asker == 0) {
		my ($r, $o, $e) = $d->ctl('reload');
		open(my $fh, '>', $answer->filename);
		print $fh "$r $o$e";
		close($fh);
		POSIX::_exit(0);
	}
	ok(wait_for(10, sub { $d->count_log(qr/reload queued: .* by=sinetctl/) > $queued }),
	    'a sinetctl reload is queued');
	my $t0 = time;
	kill('TERM', $d->pid);
	waitpid($asker, 0);
	like(slurp($answer->filename), qr/^[1-9]\d* .*cancelled by the stop/,
	    'a stop answers the sinetctl waiting for the queued reload');
	cmp_ok(time - $t0, '<', 20, 'within the stop, not at its deadline');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest '/etc/services is read again' => sub {
	plan skip_all => 'a private /etc/services needs root (a mount '
	    . 'namespace)' if !privileged();
	my ($p1, $p2) = (free_port(), free_port());
	my $dir = tempdir(CLEANUP => 1);
	my $services = "$dir/services";
	write_file($services, slurp('/etc/services') . "sinetdtest\t$p1/tcp\n");
	my @ns = private_ns() or plan skip_all => $@;
	my $d = Sinetd->start(prefix => [@ns, 'sh', '-c',
	    "mount --bind $services /etc/services && exec \"\$@\"", 'sh'],
	    conf => "127.0.0.1:sinetdtest stream tcp nowait nobody internal echo\n");
	is(Sinetd::tcp_talk('127.0.0.1', $p1, "1\n", half_close => 1), "1\n",
	    'the name resolves to its port');
	# In place: the same file the namespace sees.
	open(my $fh, '+<', $services) or die;
	my $text = do { local $/; <$fh> };
	$text =~ s/^sinetdtest\t\d+/sinetdtest\t$p2/m;
	seek($fh, 0, 0);
	print $fh $text;
	truncate($fh, tell($fh));
	close($fh);
	ok(reload_and_wait($d, 1), 'reload');
	is(Sinetd::tcp_talk('127.0.0.1', $p2, "2\n", half_close => 1), "2\n",
	    'the new port answers');
	ok(!Sinetd::tcp_connect('127.0.0.1', $p1, timeout => 1),
	    'the old one refuses');
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a worker killed under load answers again within a second' => sub {
	my $p = free_port();
	my $d = Sinetd->start(args => ['-o', 'workers=1'],
	    conf => "127.0.0.1:$p stream tcp nowait nobody internal echo\n");
	my $l = load_start($p, 3, 2);
	sleep(0.5);
	my ($w) = $d->workers;
	kill('KILL', $w);
	my $t0 = time;
	ok(wait_for(2, sub { my ($n) = $d->workers; $n && $n != $w }),
	    'a new worker');
	is(Sinetd::tcp_talk('127.0.0.1', $p, "up\n", half_close => 1), "up\n",
	    'answers');
	cmp_ok(time - $t0, '<', 1, 'within a second');
	my $r = load_result($l);
	cmp_ok($r->{ops}, '>', 100, "the load went on: $r->{ops} exchanges");
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'a worker that crashes as it starts is backed off' => sub {
	my $hooks = build_dir() . '/t/sinetd-hooks';
	plan skip_all => 'no build/t/sinetd-hooks' unless -x $hooks;
	my $p = free_port();
	local $ENV{SINETD_TEST_CRASH_AT_START} = 1;
	my $d = Sinetd->start(bin => $hooks, wait => 0,
	    args => ['-o', 'workers=1', '-o', 'restart-delay=100ms'],
	    conf => "127.0.0.1:$p stream tcp nowait nobody internal echo\n");
	sleep(6);
	my $deaths = $d->count_log(qr/worker died .* signal=KILL/);
	# at once, then 0.1, 0.2, 0.4, 0.8, 1.6, 3.2 s: about 7 in 6 s
	cmp_ok($deaths, '>=', 4, "it is restarted ($deaths times in 6 s)");
	cmp_ok($deaths, '<=', 10, 'but not in a loop');
	my @stat = split ' ', slurp("/proc/" . $d->pid . "/stat");
	my $ticks = $stat[13] + $stat[14];
	cmp_ok($ticks, '<', 100, "the master spent $ticks ticks of CPU: no spin");
	is($d->stop >> 8, 0, 'clean stop');
};

subtest 'the master killed: workers go, sessions stay' => sub {
	my ($p, $q) = (free_port(), free_port());
	my $d = Sinetd->start(conf => "127.0.0.1:$p stream tcp nowait.1000000 nobody $cat cat\n"
	    . "127.0.0.1:$q stream tcp nowait nobody internal echo\n");
	my $s = Sinetd::tcp_connect('127.0.0.1', $p);
	syswrite($s, "before\n");
	is(Sinetd::read_some($s, 7, 3), "before\n", 'a session through a child');
	my @w = grep { slurp("/proc/$_/cmdline") =~ /^sinetd-worker/ } $d->workers;
	kill('KILL', $d->pid);
	my $t0 = time;
	ok(wait_for(2, sub { !grep({ pid_alive($_) } @w) }), 'every worker exits');
	cmp_ok(time - $t0, '<', 1.5, 'within a second or so');
	ok(wait_for(2, sub { port_free($p) && port_free($q) }),
	    'no worker holds a listening socket');
	syswrite($s, "after\n");
	is(Sinetd::read_some($s, 6, 3), "after\n", 'the child server serves on');
	close($s);
};

done_testing();
