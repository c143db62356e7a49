# SPDX-License-Identifier: ISC
# ftp end to end: the real client (tnftp) against in.ftpd from ftpd-ssl
# with its Debian PAM file, under the shipped ftp.policy: a user logs in
# with a password, lists, puts and gets, in passive and in active mode
# (where in.ftpd connects back to the client).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['/usr/sbin/tcpd', 'usr/sbin/in.ftpd', '/usr/bin/tnftp', '/usr/sbin/useradd'],
    pam => ['ftp']);
my $u = test_user();
each_form(sub {
	my ($form) = @_;
	my ($d, $port) = serve(form => $form, program => 'in.ftpd',
	    policy => 'ftp.policy');

	my $work = File::Temp::tempdir(CLEANUP => 1);
	my $text = "put by tnftp $$\n";
	Sinetd::write_file("$work/up.txt", $text);
	Sinetd::write_file("$u->{home}/down.txt", "in the home of $u->{name}\n");

	for my $mode ('on', 'off') {
		my $name = $mode eq 'on' ? 'passive' : 'active';
		unlink("$work/down.txt", "$u->{home}/up-$name.txt");
		my $script = "user $u->{name} $u->{pass}\nbinary\npassive $mode\n"
		    . "ls\nput up.txt up-$name.txt\nget down.txt\nquit\n";
		my $out = `cd $work && printf '%s' '$script' | timeout 60 tnftp -n -v 127.0.0.1 $port 2>&1`;
		like($out, qr/^230 /m, "$name: logged in") or diag($out);
		like($out, qr/down\.txt/, "$name: ls lists the home");
		is(Sinetd::slurp("$u->{home}/up-$name.txt"), $text, "$name: put");
		is((stat("$u->{home}/up-$name.txt"))[4], $u->{uid},
		    "$name: the file put is the user's");
		is(-e "$work/down.txt" ? Sinetd::slurp("$work/down.txt") : '',
		    "in the home of $u->{name}\n", "$name: get") or diag($out);
		unlike($out, qr/^(425|426|450|451|550) /m, "$name: no transfer failed");
		not_killed($d, $port, "ftp $name");
	}
	is($d->stop >> 8, 0, 'clean stop');
});
done_testing();
