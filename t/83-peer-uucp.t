# SPDX-License-Identifier: ISC
# uucp end to end: in.uucpd from uucp, under the shipped uucp.policy,
# takes a UUCP login (a user whose shell is uucico, in group uucp, as
# Debian's uucp(8) setup has them) with its password, and starts uucico,
# which is setuid uucp: it greets the caller (Shere=) and writes its own
# log, /var/log/uucp/Log, which only uucp may write. Under no_new_privs
# that open fails ("can not open log file"): uucp.policy says
# no-new-privileges no for it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Select;
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['/usr/sbin/tcpd', 'usr/sbin/in.uucpd', 'usr/lib/uucp/uucico', '/usr/sbin/useradd'],
    pam => ['uucp']);
my ($uucp, $uucp_gid) = (getpwnam('uucp'))[2, 3];
plan skip_all => 'no uucp user on this host (base-passwd has one)'
    unless defined $uucp;
# Where uucico logs and spools, the test's own (its namespace).
for my $m ('/var/spool', '/var/log') {
	system("mount -t tmpfs -o mode=0755 sinetd-test $m") == 0
	    or BAIL_OUT("cannot mount the test's $m");
}
for my $dir ('/var/spool/uucp', '/var/log/uucp') {
	mkdir($dir, 0755);
	chown($uucp, $uucp_gid, $dir);
}
mkdir('/run/lock', 01777);
chmod(01777, '/run/lock');
for my $f ('/var/log/wtmp', '/var/log/lastlog') {
	Sinetd::write_file($f, '');
}
my $u = test_user(shell => peers() . '/usr/sbin/uucico', group => 'uucp');

each_form(sub {
	my ($form) = @_;
	my ($d, $port) = serve(form => $form, program => 'in.uucpd',
	    policy => 'uucp.policy');

	sub read_until {
		my ($s, $re, $timeout) = @_;
		my ($all, $sel) = ('', IO::Select->new($s));
		while ($all !~ $re && $sel->can_read($timeout)) {
			my $n = sysread($s, my $buf, 4096);
			last unless $n;
			$all .= $buf;
		}
		return $all;
	}

	my $s = Sinetd::tcp_connect('127.0.0.1', $port, timeout => 10) or die "connect: $!";
	like(read_until($s, qr/login: /, 15), qr/login: $/, 'in.uucpd asks who');
	syswrite($s, "$u->{name}\r\n");
	like(read_until($s, qr/assword:/, 15), qr/Password:/, 'then the password');
	syswrite($s, "$u->{pass}\r\n");
	my $greeting = read_until($s, qr/Shere=[^\0]*\0/, 20);
	like($greeting, qr/\x10Shere=[^\0]*\0/, 'uucico starts and greets the caller');
	# The caller says who it is; uucico, knowing no such system, refuses it
	# and ends, having logged the call.
	syswrite($s, "\x10Snosuchsys -Q0 -x0\0");
	my $rest = read_until($s, qr/(?!)/, 10);
	unlike($greeting . $rest, qr/can not open log file/i,
	    'uucico opens its log: the setuid bit worked');
	close($s);
	ok(wait_for(10, sub { -s '/var/log/uucp/Log' }), 'and wrote /var/log/uucp/Log')
	    or diag("said: $greeting$rest");
	is((stat('/var/log/uucp/Log'))[4], $uucp, 'as uucp, not as the login');
	my @bad = grep { /service=$port / && /policy violation|signal=SYS/ }
	    split /\n/, $d->log_text;
	ok(!@bad, 'no policy violation, no SIGSYS') or diag(join("\n", @bad));
	is($d->stop >> 8, 0, 'clean stop');
});
done_testing();
