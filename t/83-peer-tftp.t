# SPDX-License-Identifier: ISC
# tftp end to end: the real client (tftp-hpa) against in.tftpd from
# tftpd-hpa on the line Debian writes (in.tftpd -s /srv/tftp), under the
# shipped tftp.policy: a get, and a put onto an existing world-writable
# file (in.tftpd without -c creates nothing), as a site serving /srv/tftp
# has them. /srv is the test's own, in its mount namespace.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Sinetd;
use Peers;

isolate(need => ['usr/sbin/in.tftpd', '/usr/bin/tftp']);
system('mount -t tmpfs -o mode=0755 sinetd-test-srv /srv') == 0
    or BAIL_OUT('cannot mount the test\'s /srv');
mkdir('/srv/tftp', 0755);
Sinetd::write_file('/srv/tftp/hello.txt', "hello from tftp\n");
chmod(0644, '/srv/tftp/hello.txt');
Sinetd::write_file('/srv/tftp/upload.txt', '');
chmod(0666, '/srv/tftp/upload.txt');

my $port = free_port();
my $pol = site_policies("$port.policy" => 'tftp.policy');
my $d = Sinetd->start(args => ['-l', '-P', $pol], conf =>
    "127.0.0.1:$port dgram udp wait root " . peers()
    . "/usr/sbin/in.tftpd in.tftpd -s /srv/tftp\n");

my $work = File::Temp::tempdir(CLEANUP => 1);
my $out = `cd $work && timeout 20 tftp 127.0.0.1 $port -m binary -c get hello.txt got 2>&1`;
is(-e "$work/got" ? Sinetd::slurp("$work/got") : '', "hello from tftp\n",
    'get: the file, whole') or diag($out);

my $text = "put by tftp $$\n" x 100;	# more than one 512-byte block
Sinetd::write_file("$work/up.txt", $text);
$out = `cd $work && timeout 20 tftp 127.0.0.1 $port -m binary -c put up.txt upload.txt 2>&1`;
unlike($out, qr/Error code|timed out/i, 'put: no error') or diag($out);
is(Sinetd::slurp('/srv/tftp/upload.txt'), $text, 'put: the file, whole');

$out = `cd $work && timeout 20 tftp 127.0.0.1 $port -m binary -c put up.txt new.txt 2>&1`;
like($out, qr/Error code \d+: /,
    'put of a new file: refused, as in.tftpd without -c refuses it')
    or diag($out);
ok(!-e '/srv/tftp/new.txt', 'and nothing is created');
my @bad = grep { /service=$port / && /policy violation|signal=SYS/ }
    split /\n/, $d->log_text;
ok(!@bad, 'no policy violation, no SIGSYS') or diag(join("\n", @bad));
is($d->stop >> 8, 0, 'clean stop');
done_testing();
