# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for ruv, ruvtogl and ruvreprs.
#
# Verbs, sub-verbs and options are read from the program's own help
# (`ruv help`, `ruv VERB --help`), so they follow the installed version;
# DSNs, groups, locations and shipments are asked of the repository the
# command line names (--home/--config as typed, else $RUV_HOME etc.) with
# `ruv file list`, `group list`, `location list` and `shipment list`.

# _ruv_ask PROGRAM ARGS...: run ruv with the --home/--config typed so far.
_ruv_ask()
{
	local i prog=$1
	local -a g=()
	shift
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		--home | --config)
			g+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}")
			;;
		--home=* | --config=*) g+=("${COMP_WORDS[i]}") ;;
		esac
	done
	"$prog" "${g[@]}" "$@" 2>/dev/null
}

# _ruv_names PROGRAM KIND: dsn, group, location or shipment.
_ruv_names()
{
	case $2 in
	dsn) _ruv_ask "$1" file list | awk 'NR > 1 { print $1 }' ;;
	group) _ruv_ask "$1" group list | awk 'NR > 1 { print $1 }' ;;
	location) _ruv_ask "$1" location list | awk 'NR > 1 { print $1 }' ;;
	shipment) _ruv_ask "$1" shipment list | awk '{ print $1 }' ;;
	esac
}

_ruv()
{
	local cur prev prog=${COMP_WORDS[0]} verb= sub= i w help
	local -a words=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The verb and sub-verb: the first words that are not options.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--home | --config) ((i++)); continue ;;
		-*) continue ;;
		esac
		words+=("$w")
	done
	case ${prog##*/} in
	ruvtogl | ruvreprs)
		# The repository is asked with ruv, beside the program if there.
		[[ ${prog##*/} == ruvtogl ]] && verb=toggle || verb=reprs
		words=("$verb" "${words[@]}")
		if [[ $prog == */* && -x ${prog%/*}/ruv ]]; then
			prog=${prog%/*}/ruv
		else
			prog=ruv
		fi
		;;
	*) verb=${words[0]-}; sub=${words[1]-} ;;
	esac

	case $prev in
	--home | --to | --from | --config | --recon)
		if [[ $prev == --to && $verb == relocate ]]; then
			COMPREPLY=($(compgen -W "$(_ruv_names "$prog" location)" -- "$cur"))
		elif [[ $prev == --home || ($prev == --from && $verb == catalog) ]]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return
		;;
	--group)
		COMPREPLY=($(compgen -W "$(_ruv_names "$prog" group)" -- "$cur"))
		return
		;;
	--location | --activate | --inactivate)
		COMPREPLY=($(compgen -W "$(_ruv_names "$prog" location)" -- "$cur"))
		return
		;;
	--dsn)
		COMPREPLY=($(compgen -W "$(_ruv_names "$prog" dsn)" -- "$cur"))
		return
		;;
	--time | --copy | --last | --volume | --offset | --lso)
		return
		;;
	esac

	if [[ -z $verb || ($verb == "$cur" && ${#words[@]} -eq 0) ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--home --config --json --help --version -V" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("$prog" help 2>/dev/null |
				awk '/^Verbs:/ { v = 1; next } v && /^  [a-z]/ { print $1 }')" -- "$cur"))
		fi
		return
	fi

	help=$("$prog" "$verb" --help 2>/dev/null)
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u) --home --config --json" -- "$cur"))
		return
	fi
	# A sub-verb: the words after "usage: ruv VERB" in the help.
	local subs
	subs=$(awk -v v="$verb" '$1 == "usage:" { $0 = substr($0, 7) } $1 == "ruv" && $2 == v && $3 ~ /^[a-z]/ { print $3 }' <<<"$help" | sort -u)
	if [[ -n $subs && ${#words[@]} -le 1 ]]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi
	case $verb/$sub in
	backup/* | verify/* | restore/* | file/unregister | group/add | group/remove)
		if [[ $verb/$sub == group/* && ${#words[@]} -eq 2 ]]; then
			COMPREPLY=($(compgen -W "$(_ruv_names "$prog" group)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ruv_names "$prog" dsn)" -- "$cur"))
		fi
		;;
	group/define)
		[[ ${#words[@]} -ge 3 ]] &&
			COMPREPLY=($(compgen -W "$(_ruv_names "$prog" dsn)" -- "$cur"))
		;;
	group/delete | group/list)
		COMPREPLY=($(compgen -W "$(_ruv_names "$prog" group)" -- "$cur"))
		;;
	shipment/show | shipment/export)
		if [[ ${#words[@]} -eq 2 ]]; then
			COMPREPLY=($(compgen -W "$(_ruv_names "$prog" shipment)" -- "$cur"))
		else
			COMPREPLY=($(compgen -d -- "$cur"))
		fi
		;;
	file/register | volume/scan | catalog/* | pit/*)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	help/*)
		COMPREPLY=($(compgen -W "$("$prog" help 2>/dev/null |
			awk '/^Verbs:/ { v = 1; next } v && /^  [a-z]/ { print $1 }')" -- "$cur"))
		;;
	esac
}
complete -F _ruv ruv ruvtogl ruvreprs
