# SPDX-License-Identifier: ISC
# rexec end to end: in.rexecd from rsh-server with its Debian PAM file,
# under the shipped exec.policy, driven as rexec(3) does (Debian ships no
# rexec client): a user and password, a command, its output; a wrong
# password refused.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Select;
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['/usr/sbin/tcpd', 'usr/sbin/in.rexecd', '/usr/sbin/useradd'], pam => ['rexec']);
my $u = test_user();
each_form(sub {
	my ($form) = @_;
	my ($d, $port) = serve(form => $form, program => 'in.rexecd',
	    policy => 'exec.policy');

	my $rexec = sub {
		my ($user, $pass, $cmd) = @_;
		my $s = Sinetd::tcp_connect('127.0.0.1', $port, timeout => 10) or return;
		# No stderr port: the command's stderr comes on the same connection.
		syswrite($s, "0\0$user\0$pass\0$cmd\0");
		my ($all, $sel) = ('', IO::Select->new($s));
		while ($sel->can_read(20)) {
			my $n = sysread($s, my $buf, 4096);
			last unless $n;
			$all .= $buf;
		}
		return $all;
	};

	my $out = $rexec->($u->{name}, $u->{pass}, 'id; echo done');
	like($out, qr/^\0uid=$u->{uid}\($u->{name}\) .*\ndone\n\z/s,
	    'the command runs as the user, its output follows the \0 of success')
	    or diag($out);
	not_killed($d, $port, 'rexec');
	$out = $rexec->($u->{name}, 'wrong', 'id');
	# Debian's in.rexecd says nothing to a wrong password: it ends the
	# connection (after pam_faildelay's pause) and exits 1.
	is($out, '', 'a wrong password: the connection ends, nothing run');
	ok($d->wait_log(Sinetd::worker_said($port, qr/child exited peer=\S+ child=\d+ exit=1 /), 10),
	    'and in.rexecd exits 1');
	is($d->stop >> 8, 0, 'clean stop');
});
done_testing();
