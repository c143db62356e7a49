# SPDX-License-Identifier: ISC
# External services: real child servers spawned per connection, with the
# descriptors, ids, session, signals and environment a server expects.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Test::More;
use Time::HiRes qw(time sleep);
use Sinetd;

my $report = build_dir() . '/t/report';
my $nobody = getpwnam('nobody');
my $nogroup = getgrnam('nogroup');
my $root = privileged();

# Parses the helper's key=value report.
sub parse_report {
	my ($text) = @_;
	my (%r, @env);
	for (split /\n/, $text // '') {
		if (/^env:(.*)$/) { push @env, $1; next }
		$r{$1} = $2 if /^([\w]+)=(.*)$/;
	}
	$r{env} = [sort @env];
	return \%r;
}

my ($cat, $rep, $repgrp, $fail, $sig, $swait) = map { free_port() } 1 .. 6;
my $dir = tempdir(CLEANUP => 1);
chmod(0755, $dir);
my $sock = "$dir/cat.sock";
my $usock = "$dir/report.sock";
my $d = Sinetd->start(args => ['-l'], conf => <<"EOF");
127.0.0.1,[::1]:$cat stream tcp nowait nobody /bin/cat
127.0.0.1:$rep stream tcp nowait nobody $report report one 'two words'
127.0.0.1:$repgrp stream tcp nowait nobody.daemon $report
127.0.0.1:$fail stream tcp nowait nobody $report report exit=3
127.0.0.1:$sig stream tcp nowait nobody $report report segv
:nobody:nogroup:0660:$sock stream unix nowait nobody /bin/cat
$usock stream unix nowait nobody $report
$dir/seq.sock seqpacket unix nowait nobody $report report echo
127.0.0.1:$swait stream tcp wait nobody $report report accept
EOF

for my $host ('127.0.0.1', '::1') {
	my $data = join('', map { chr(32 + int(rand(90))) } 1 .. 50000);
	is(Sinetd::tcp_talk($host, $cat, $data, half_close => 1, max => 60000),
	    $data, "/bin/cat as a nowait echo server over $host");
}

my @st = stat($sock);
ok(@st, 'the unix socket exists');
is(sprintf('%o', $st[2] & 07777), '660', 'with the mode from :user:group:mode:');
SKIP: {
	skip 'socket ownership needs root', 2 unless $root;
	is($st[4], $nobody, 'owned by the user named');
	is($st[5], $nogroup, 'and the group named');
}
my $u = IO::Socket::UNIX->new(Peer => $sock, Type => SOCK_STREAM);
ok($u, 'a client connects to the unix socket');
syswrite($u, "over unix\n");
shutdown($u, 1);
is(Sinetd::read_some($u, 100, 3), "over unix\n", '/bin/cat answers over it');

my $sp = IO::Socket::UNIX->new(Peer => "$dir/seq.sock",
    Type => Socket::SOCK_SEQPACKET());
ok($sp, 'a seqpacket client connects');
syswrite($sp, 'one record') if $sp;
is($sp ? Sinetd::read_some($sp, 100, 3) : '', 'one record',
    'a seqpacket nowait service echoes a record');
close($sp) if $sp;

my @served = map { Sinetd::tcp_talk('127.0.0.1', $swait, undef) } 1 .. 3;
my ($first) = ($served[0] // '') =~ /^served by (\d+)$/m;
ok($first && !grep({ ($_ // '') ne "served by $first\n" } @served),
    'stream wait: one child accepts every connection on the socket');
ok($d->wait_log(worker_said(undef, qr/child exited peer=- child=$first exit=0 /), 5),
    'and the worker takes the socket back when it exits');
like(Sinetd::tcp_talk('127.0.0.1', $swait, undef) // '', qr/^served by (?!$first\n)\d+$/,
    'then the next connection gets a new child');

my $r = parse_report(Sinetd::tcp_talk('127.0.0.1', $rep, undef));
ok(exists $r->{pid}, 'the helper reported');
SKIP: {
	skip 'changing user needs root', 4 unless $root;
	is("$r->{uid} $r->{euid}", "$nobody $nobody", 'uid: the line\'s user');
	is("$r->{gid} $r->{egid}", "$nogroup $nogroup", 'gid: its primary group');
	is($r->{groups}, $nogroup, 'groups: its supplementary groups only');
	my $g = parse_report(Sinetd::tcp_talk('127.0.0.1', $repgrp, undef));
	is($g->{gid}, scalar(getgrnam('daemon')), 'user.group sets the group');
}
is($r->{sid}, $r->{pid}, 'the child leads its own session');
is($r->{pgid}, $r->{pid}, 'and its own process group');
is($r->{fds}, '0,1,2', 'no descriptor open but 0, 1, 2');
is("$r->{nonblock0}$r->{nonblock1}$r->{nonblock2}", '000',
    'all three blocking');
is($r->{sigblk}, '0000000000000000', 'an empty signal mask');
is($r->{sigign}, '0000000000000000', 'no signal ignored (SIGPIPE default)');
is($r->{umask}, '0022', 'umask 022');
is($r->{cwd}, '/', 'cwd /');
is("$r->{argc}|$r->{argv0}|$r->{argv1}|$r->{argv2}", '3|report|one|two words',
    'argv from the line, quotes grouping');
my %env = map { /^([^=]+)=(.*)$/ ? ($1, $2) : () } @{ $r->{env} };
is_deeply([sort keys %env], [sort qw(PATH PROTO TCPREMOTEIP TCPREMOTEPORT
    TCPLOCALIP TCPLOCALPORT TCPCONNNUM REMOTE_ADDR REMOTE_PORT)],
    'a clean environment: PATH and the peer, nothing inherited');
is($env{PATH}, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'PATH as Debian\'s inetd sets it');
is("$env{PROTO} $env{TCPREMOTEIP} $env{TCPLOCALIP} $env{TCPLOCALPORT}",
    "TCP 127.0.0.1 127.0.0.1 $rep", 'UCSPI: PROTO, TCPREMOTEIP, TCPLOCAL*');
ok($env{TCPREMOTEPORT} > 0 && $env{TCPREMOTEPORT} == $env{REMOTE_PORT},
    'TCPREMOTEPORT and REMOTE_PORT agree');
is($env{REMOTE_ADDR}, '127.0.0.1', 'systemd: REMOTE_ADDR');
is($env{TCPCONNNUM}, 1, 'TCPCONNNUM: this source\'s children, this one too');

my $uc = IO::Socket::UNIX->new(Peer => $usock, Type => SOCK_STREAM);
my $ur = parse_report(Sinetd::read_some($uc, 1 << 16, 3));
my %uenv = map { /^([^=]+)=(.*)$/ ? ($1, $2) : () } @{ $ur->{env} };
is("$uenv{PROTO} $uenv{UNIXREMOTEUID} $uenv{UNIXREMOTEGID} $uenv{UNIXREMOTEPID}",
    "UNIX $< " . (split ' ', $()[0] . " $$",
    'a unix peer: PROTO=UNIX and its credentials');

my $out = Sinetd::tcp_talk('127.0.0.1', $fail, undef);
ok($d->wait_log(worker_said($fail, qr/child exited peer=127\.0\.0\.1:\d+ child=\d+ exit=3 duration=\d+ms"/)),
    'a non-zero exit is logged with the peer, the child and the duration');
Sinetd::tcp_talk('127.0.0.1', $sig, undef);
ok($d->wait_log(worker_said($sig, qr/child exited peer=\S+ child=\d+ signal=SEGV[^"]*"/)),
    'a child killed by a signal is logged with the signal');
like($d->log_text, worker_said($rep, qr/connection peer=127\.0\.0\.1:\d+ child=\d+"/),
    '-l logs each start');
like($d->log_text, worker_said($rep, qr/child exited peer=127\.0\.0\.1:\d+ child=\d+ exit=0 duration=\d+ms"/),
    '-l logs each end');

subtest 'stop: child servers run on' => sub {
	my $s = Sinetd::tcp_connect('127.0.0.1', $cat);
	syswrite($s, "before\n");
	is(Sinetd::read_some($s, 7, 3), "before\n", 'a session through /bin/cat');
	is($d->stop >> 8, 0, 'sinetd stops');
	ok(!Sinetd::tcp_connect('127.0.0.1', $cat, timeout => 1),
	    'new connections are refused');
	syswrite($s, "after\n");
	is(Sinetd::read_some($s, 6, 3), "after\n", 'the session still echoes');
	close($s);
};

subtest '-E keeps the environment' => sub {
	my $p = free_port();
	local $ENV{SINETD_TEST_MARK} = 'kept';
	local $ENV{PROTO} = 'forged';
	my $e = Sinetd->start(args => ['-E'],
	    conf => "127.0.0.1:$p stream tcp nowait nobody $report\n");
	my $r2 = parse_report(Sinetd::tcp_talk('127.0.0.1', $p, undef));
	my %env2 = map { /^([^=]+)=(.*)$/ ? ($1, $2) : () } @{ $r2->{env} };
	is($env2{SINETD_TEST_MARK}, 'kept', 'an inherited variable is there');
	is($env2{PROTO}, 'TCP', 'but the peer variables are ours');
	is(scalar(grep { /^PROTO=/ } @{ $r2->{env} }), 1, 'and come once');
	is($e->stop >> 8, 0, 'clean stop');
};

subtest 'a program that cannot be executed' => sub {
	my ($p1, $p2) = (free_port(), free_port());
	my $noexec = "$dir/not-executable";
	write_file($noexec, "#!/bin/sh\necho hi\n");
	chmod(0644, $noexec);
	my $e = Sinetd->start(conf => <<"EOF");
127.0.0.1:$p1 stream tcp nowait nobody /nonexistent/server
127.0.0.1:$p2 stream tcp nowait nobody $noexec
EOF
	for (1 .. 5) {
		is(Sinetd::tcp_talk('127.0.0.1', $p1, undef, timeout => 2), '',
		    "connection $_ is closed");
	}
	ok($e->wait_log(worker_said(undef, qr{cannot execute server program=/nonexistent/server error=\\"No such file or directory\\""})),
	    'logged with the errno');
	is($e->count_log(worker_said(undef, qr/cannot execute server program=\/nonexistent/)), 1,
	    'once per burst');
	Sinetd::tcp_talk('127.0.0.1', $p2, undef, timeout => 2);
	ok($e->wait_log(worker_said(undef, qr{cannot execute server program=\Q$noexec\E error=\\"Permission denied\\""})),
	    'a file without x: EACCES');
	ok(!$e->exited, 'the daemon goes on');
	is($e->stop >> 8, 0, 'clean stop');
};

done_testing();
