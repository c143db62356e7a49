# SPDX-License-Identifier: ISC
# rsh end to end: the real client (rsh-client's rsh) against in.rshd from
# rsh-server with its Debian PAM file, under the shipped shell.policy: a
# command trusted by the user's .rhosts runs as the user, its standard
# output and standard error arrive apart, and its exit ends the session.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['/usr/sbin/tcpd', 'usr/sbin/in.rshd', '/usr/bin/netkit-rsh', '/usr/sbin/useradd'],
    pam => ['rsh']);
my $u = test_user();
trust_root($u);

each_form(sub {
	my ($form) = @_;
	my $port = free_port();
	services(shell => "$port/tcp");
	my ($d) = serve(form => $form, program => 'in.rshd', policy => 'shell.policy',
	    port => $port);

	my $work = File::Temp::tempdir(CLEANUP => 1);
	my $rc = system("timeout 30 netkit-rsh -l $u->{name} 127.0.0.1 "
	    . "'id; echo to-stderr >&2; echo to-stdout' "
	    . "</dev/null >$work/out 2>$work/err");
	is($rc >> 8, 0, 'rsh exits 0');
	my ($out, $err) = (Sinetd::slurp("$work/out"), Sinetd::slurp("$work/err"));
	like($out, qr/^uid=$u->{uid}\($u->{name}\) /m, 'the command runs as the user');
	like($out, qr/^to-stdout$/m, 'standard output on stdout');
	unlike($out, qr/to-stderr/, 'without standard error');
	is($err, "to-stderr\n", 'standard error on stderr, apart');
	not_killed($d, $port, 'rsh');
	is($d->stop >> 8, 0, 'clean stop');
});
done_testing();
