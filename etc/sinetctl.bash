# SPDX-License-Identifier: ISC
# bash completion for sinetctl(8): its options and commands, and for the
# commands that take a SERVICE, the services the running daemon reports
# (asked over the same -S socket the command line names). Installed by
# make install as share/bash-completion/completions/sinetctl.

_sinetctl_services()
{
	local sock=$1
	sinetctl ${sock:+-S "$sock"} -k status 2>/dev/null |
	    sed -n 's/^service=\([^ ]*\) .*/\1/p' | sort -u
}

_sinetctl()
{
	local cur prev i cmd="" sock="" want
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	# The command so far, and the socket it names.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-S) sock=${COMP_WORDS[i+1]}; ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ $prev == -S || $prev == -o ]]; then
		[[ $prev == -o ]] && want=-d || want=-f
		COMPREPLY=($(compgen $want -- "$cur"))
		return
	fi
	case $cmd in
	"")
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-h --help -j -k -S" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "status metrics reload stop
			    disable enable import-xinetd" -- "$cur"))
		fi
		;;
	status | disable | enable)
		# One SERVICE, right after the command.
		[[ $prev == "$cmd" ]] &&
		    COMPREPLY=($(compgen -W "$(_sinetctl_services "$sock")" \
			-- "$cur"))
		;;
	import-xinetd)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-o" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	esac
}
complete -F _sinetctl sinetctl
