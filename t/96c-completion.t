# SPDX-License-Identifier: ISC
# Bash completion for sinetctl (etc/sinetctl.bash): the commands and
# options, and for status, disable and enable the services the running
# daemon reports over the -S socket the command line names.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp ();
use Test::More;
use Sinetd;

plan skip_all => 'no bash' if system('command -v bash >/dev/null');
my $script = "$FindBin::Bin/../etc/sinetctl.bash";
my ($echo, $kid) = (free_port(), free_port());
my $sleep = -x '/usr/bin/sleep' ? '/usr/bin/sleep' : '/bin/sleep';
my $d = Sinetd->start(conf =>
    "127.0.0.1:$echo stream tcp nowait nobody internal echo\n"
    . "127.0.0.1:$echo dgram udp wait nobody internal echo\n"
    . "127.0.0.1:$kid stream tcp nowait nobody $sleep sleep 1\n");

# What the completion offers for the words of a command line, the last
# one being completed.
sub complete {
	my (@words) = @_;
	my $list = join(' ', map { "'$_'" } @words);
	my $sh = "PATH='${\ build_dir()}':\$PATH; . '$script'; "
	    . "COMP_WORDS=($list); COMP_CWORD=$#words; _sinetctl; "
	    . 'printf "%s\n" "${COMPREPLY[@]}"';
	open(my $fh, '-|', 'bash', '-c', $sh) or die "bash: $!";
	my @out = grep { length } map { chomp; $_ } <$fh>;
	close($fh);
	return join(' ', sort @out);
}

is(complete('sinetctl', ''), 'disable enable import-xinetd metrics reload '
    . 'status stop', 'the commands');
is(complete('sinetctl', 'st'), 'status stop', 'by their start');
is(complete('sinetctl', '-'), '--help -S -h -j -k', 'the options');
is(complete('sinetctl', '-S', $d->ctl_socket, 'status', ''),
    join(' ', sort($echo, $kid)), 'status: the running services, once each');
is(complete('sinetctl', '-S', $d->ctl_socket, '-j', 'disable', substr($kid, 0, 3)),
    $kid =~ /^\Q${\ substr($echo, 0, 3)}\E/ ? join(' ', sort($echo, $kid)) : $kid,
    'disable: by their start, after other options');
is(complete('sinetctl', '-S', $d->ctl_socket, 'status', $echo, ''), '',
    'one service only');
is(complete('sinetctl', '-S', $d->dir . '/nothing', 'enable', ''), '',
    'no daemon: nothing, and no error');
like(complete('sinetctl', 'import-xinetd', '-'), qr/^-o$/, 'import-xinetd -o');
my $dir = File::Temp::tempdir(CLEANUP => 1);
mkdir("$dir/out");
write_file("$dir/xinetd.conf", "");
is(complete('sinetctl', 'import-xinetd', '-o', "$dir/"), "$dir/out",
    '-o: a directory');
is(complete('sinetctl', 'import-xinetd', "$dir/x"), "$dir/xinetd.conf",
    'then a file');
is($d->stop >> 8, 0, 'stopped');

done_testing();
