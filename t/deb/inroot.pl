#!/usr/bin/perl
# SPDX-License-Identifier: ISC
# The scenario of make check-deb, run inside the throwaway bookworm root
# that t/deb/check-deb.sh makes: loopback only, its packages fetched.
# perl-base alone (the root is debootstrap's minbase): TAP by hand.
#
# A fresh host: the sinetd package creates /etc/inetd.conf; sinetd starts
# as its unit would; an internal echo session is opened and held; fingerd
# installed with apt-get serves finger at once, tftpd-hpa's in.tftpd
# added with update-inetd serves tftp, fingerd removed closes its port,
# and the echo session answers after each step. Then a host that ran
# openbsd-inetd: its /etc/inetd.conf is kept as it was, and serves.
use strict;
use warnings;
use IO::Socket::INET;
use POSIX ();
use Socket qw(AF_UNIX SOCK_DGRAM pack_sockaddr_un);

$| = 1;
$ENV{PATH} = '/usr/sbin:/usr/bin:/sbin:/bin';
$ENV{DEBIAN_FRONTEND} = 'noninteractive';
delete $ENV{UPDATE_INETD_FAKE_IT};	# here update-inetd runs for real

my ($n, $failed) = (0, 0);
my $APT = 'apt-get -q -y --no-download -o Dpkg::Use-Pty=0';
# A local .deb: apt 2.6 refuses --no-download with one ("Pathname to
# install is not absolute"); with no network, nothing is fetched anyway.
my $APT_DEB = 'apt-get -q -y -o Dpkg::Use-Pty=0';
my $LOG = '/var/log/sinetd.log';

# ($$): a failed match is false, not an empty list.
sub ok($$) {
	my ($cond, $what) = @_;
	$n++;
	$failed++ unless $cond;
	print(($cond ? 'ok' : 'not ok') . " $n - $what\n");
	return $cond;
}

sub slurp {
	my ($path) = @_;
	open(my $fh, '<', $path) or return '';
	local $/;
	return scalar(<$fh>) // '';
}

sub spew {
	my ($path, $text) = @_;
	open(my $fh, '>', $path) or die "$path: $!";
	print $fh $text;
	close($fh);
}

# A command, shown as typed, its output as comments: the transcript.
sub run {
	my ($cmd) = @_;
	print "# \$ $cmd\n";
	my $out = `$cmd 2>&1` // '';
	my $rc = $? >> 8;
	print map { "#   $_\n" } split /\n/, $out;
	return wantarray ? ($rc, $out) : $rc;
}

sub pause { select(undef, undef, undef, $_[0]) }

sub wait_for {
	my ($timeout, $code) = @_;
	my $end = time + $timeout;
	while (1) {
		my $r = $code->();
		return $r if $r;
		return 0 if time > $end;
		pause(0.1);
	}
}

sub tcp {
	my ($port) = @_;
	return IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $port, Proto => 'tcp', Timeout => 3);
}

sub tcp_open {
	my $s = tcp($_[0]) or return 0;
	close($s);
	return 1;
}

# A line out, the line back, within five seconds.
sub ask {
	my ($s, $line) = @_;
	my $back = eval {
		local $SIG{ALRM} = sub { die "timeout\n" };
		alarm(5);
		print $s "$line\n";
		my $l = <$s>;
		alarm(0);
		$l;
	};
	alarm(0);
	return ($back // '') eq "$line\n";
}

# sinetd -i logs to syslog: a /dev/log of our own collects it.
sub start_syslog {
	unlink('/dev/log');
	socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
	bind($s, pack_sockaddr_un('/dev/log')) or die "bind /dev/log: $!";
	chmod(0666, '/dev/log');
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		open(my $out, '>>', $LOG) or POSIX::_exit(1);
		$out->autoflush(1);
		while (defined(recv($s, my $buf, 8192, 0))) {
			$buf =~ s/^<\d+>//;
			print $out "$buf\n";
		}
		POSIX::_exit(0);
	}
	close($s);
	return $pid;
}

# As sinetd.service does: the pre-flight, whose verdict never blocks
# the start (ExecStartPre=-), then sinetd -i, both with /etc/default's
# OPTIONS.
sub start_sinetd {
	run(q{sh -c '. /etc/default/sinetd; /usr/sbin/sinetd -n $OPTIONS'});
	my $from = -s $LOG // 0;
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		open(STDIN, '<', '/dev/null');
		{ no warnings 'exec'; exec('sh', '-c',
		    '. /etc/default/sinetd; exec /usr/sbin/sinetd -i $OPTIONS'); }
		POSIX::_exit(127);
	}
	my $ready = wait_for(20, sub {
		substr(slurp($LOG), $from) =~ /ready: \d+ services/ });
	ok($ready, "sinetd -i \$OPTIONS is up (pid $pid), as its unit starts it");
	return $pid;
}

sub stop_sinetd {
	my ($pid) = @_;
	kill('TERM', $pid);
	my $gone = wait_for(20, sub { waitpid($pid, POSIX::WNOHANG()) == $pid });
	ok($gone && $? == 0, 'sinetd stops on SIGTERM, exit 0');
}

sub no_wakeup_hooks {
	my @init = glob('/etc/init.d/*inetd');
	ok(!grep({ m{/sinetd$} } @init),
	    'no /etc/init.d/sinetd for update-inetd to restart');
	ok(!-e '/run/inetd.pid', 'no /run/inetd.pid for update-inetd to signal');
}

my $syslog = start_syslog();

print "# A fresh host\n";
ok(!-e '/etc/inetd.conf', 'no /etc/inetd.conf before');
ok(run("$APT_DEB install /tmp/sinetd.deb") == 0, 'apt-get install sinetd.deb');
my $conf = slurp('/etc/inetd.conf');
ok($conf ne '' && $conf eq slurp('/usr/share/sinetd/inetd.conf'),
    'the postinst created /etc/inetd.conf from its template');
ok($conf =~ /^#:INTERNAL:/m && $conf =~ /^#:INFO:/m && $conf =~ /^#:BOOT:/m,
    'with update-inetd\'s #:LABEL: sections');
ok($conf !~ /^#[A-Za-z]/m, 'and no entry commented out by a single "#"');
ok($conf =~ /^#<off># echo\s/m, 'the internal services off, as "#<off>#"');
run('dpkg-query -W -f \'${Status} ${Provides}\n\' sinetd');
no_wakeup_hooks();

run("useradd -m -c 'Alice Check' alice");
chmod(0755, '/home/alice');
spew('/home/alice/.plan', "check-deb was here\n");
chmod(0644, '/home/alice/.plan');

my $sinetd = start_sinetd();
no_wakeup_hooks();

ok(run('update-inetd --enable echo') == 0, 'update-inetd --enable echo');
ok(wait_for(10, sub { tcp_open(7) }), 'echo serves on port 7, no reload asked');
my $session = tcp(7);
ok($session && ask($session, 'first'), 'an echo session, held from now on');

print "# fingerd, as its package installs it\n";
my ($rc, $out) = run("$APT install fingerd finger");
ok($rc == 0, 'apt-get install fingerd finger');
ok($out !~ /not enabled|commented out/, 'update-inetd enabled its entry');
ok(slurp('/etc/inetd.conf') =~ m{^finger\s+stream\s+tcp\s+nowait\s+nobody\s+/usr/sbin/tcpd\s+/usr/sbin/in\.fingerd}m,
    'fingerd\'s line is in /etc/inetd.conf, in the INFO section');
ok(wait_for(10, sub { tcp_open(79) }), 'finger listens on port 79');
($rc, $out) = run('timeout 20 finger alice@127.0.0.1');
ok($rc == 0 && $out =~ /Login: alice\s+Name: Alice Check/ &&
    $out =~ /check-deb was here/, 'finger alice@127.0.0.1 answers, with her plan');
($rc, $out) = run('sinetctl -k status');
ok($out =~ /^service=finger proto=tcp .* program="\/usr\/sbin\/tcpd" state=listening policy=fingerd /m,
    'served under fingerd.policy, which is finger.policy for in.fingerd');
ok(ask($session, 'after fingerd'), 'the echo session answers');

print "# tftpd-hpa's in.tftpd, from inetd\n";
ok(run("$APT install tftpd-hpa tftp-hpa") == 0, 'apt-get install tftpd-hpa tftp-hpa');
mkdir('/srv/tftp');
spew('/srv/tftp/hello.txt', "hello over tftp\n");
chmod(0644, '/srv/tftp/hello.txt');
ok(run("update-inetd --group BOOT --add 'tftp\\tdgram\\tudp\\twait\\troot\\t/usr/sbin/in.tftpd\\tin.tftpd -s /srv/tftp'") == 0,
    'update-inetd --group BOOT --add its line');
my $got = wait_for(10, sub {
	unlink('/tmp/got.txt');
	system('timeout 10 tftp 127.0.0.1 -c get hello.txt /tmp/got.txt >/dev/null 2>&1');
	slurp('/tmp/got.txt') eq "hello over tftp\n";
});
run('timeout 10 tftp -v 127.0.0.1 -c get hello.txt /tmp/got.txt');
ok($got, 'tftp 127.0.0.1 -c get hello.txt: the file, from in.tftpd');
ok(ask($session, 'after tftpd'), 'the echo session answers');

print "# fingerd removed\n";
ok(run("$APT remove fingerd") == 0, 'apt-get remove fingerd');
ok(slurp('/etc/inetd.conf') =~ m{^#<off># finger\s}m, 'its entry is off, "#<off>#"');
ok(wait_for(10, sub { !tcp_open(79) }), 'port 79 is closed');
ok(ask($session, 'after the removal'), 'the echo session answers');
ok(kill(0, $sinetd), "sinetd is the same process (pid $sinetd): never restarted");
my $log = slurp($LOG);
my @refresh = $log =~ /^.*reload.*done.*$/mg;
print map { "#   $_\n" } @refresh;
ok(@refresh >= 4, 'each edit was a reload of its own, from the refresh on edit');
close($session);
stop_sinetd($sinetd);

print "# A host that ran openbsd-inetd\n";
ok(run("$APT purge fingerd tftpd-hpa sinetd") == 0, 'apt-get purge sinetd and the servers');
ok(-e '/etc/inetd.conf', 'purged, sinetd keeps an /etc/inetd.conf with a service on');
unlink('/etc/inetd.conf');
ok(run("$APT install openbsd-inetd fingerd") == 0, 'apt-get install openbsd-inetd fingerd');
my $theirs = slurp('/etc/inetd.conf');
ok($theirs =~ /^finger\s/m, 'openbsd-inetd\'s /etc/inetd.conf, with fingerd\'s line');
($rc, $out) = run("$APT_DEB install /tmp/sinetd.deb");
ok($rc == 0 && $out =~ /Removing openbsd-inetd/, 'apt-get install sinetd.deb replaces openbsd-inetd');
ok(slurp('/etc/inetd.conf') eq $theirs, 'its /etc/inetd.conf is kept as it was');
$sinetd = start_sinetd();
($rc, $out) = run('timeout 20 finger alice@127.0.0.1');
ok($rc == 0 && $out =~ /Login: alice/, 'and serves: finger alice@127.0.0.1 answers');
stop_sinetd($sinetd);

print "# the log of sinetd, its end\n";
my @lines = split /\n/, slurp($LOG);
splice(@lines, 0, @lines - 25) if @lines > 25;
print map { "#   $_\n" } @lines;
kill('TERM', $syslog);
waitpid($syslog, 0);
printf "%d passed, %d failed\n", $n - $failed, $failed;
exit($failed ? 1 : 0);
