/** What `berth completion` completes: commands, and the second words of two-word commands. */
export type Vocabulary = { commands: string[]; subcommands: Record<string, string[]> };

const GLOBAL_OPTIONS = '--url --json --help --version';

/** A bash completion script: `source <(berth completion bash)`. */
export const bashCompletion = ({ commands, subcommands }: Vocabulary) =>
  `# berth completion for bash: source <(berth completion bash)
_berth() {
  local cur=\${COMP_WORDS[COMP_CWORD]} i word
  local -a words=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    case $word in
      --url) ((i++)) ;;
      -*) ;;
      *) words+=("$word") ;;
    esac
  done
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${GLOBAL_OPTIONS}" -- "$cur"))
  elif ((\${#words[@]} == 0)); then
    COMPREPLY=($(compgen -W "${commands.join(' ')}" -- "$cur"))
  elif ((\${#words[@]} == 1)); then
    case \${words[0]} in
${Object.entries(subcommands)
  .map(
    ([word, next]) => `      ${word}) COMPREPLY=($(compgen -W "${next.join(' ')}" -- "$cur")) ;;`,
  )
  .join('\n')}
    esac
  fi
}
complete -F _berth berth
`;

/** A zsh completion script: `source <(berth completion zsh)` (after compinit). */
export const zshCompletion = ({ commands, subcommands }: Vocabulary) =>
  `#compdef berth
# berth completion for zsh: source <(berth completion zsh)
_berth() {
  local -a plain
  local word skip=0
  for word in \${words[2,CURRENT-1]}; do
    if ((skip)); then skip=0; continue; fi
    case $word in
      --url) skip=1 ;;
      -*) ;;
      *) plain+=("$word") ;;
    esac
  done
  if [[ $PREFIX == -* ]]; then
    compadd -- ${GLOBAL_OPTIONS}
  elif ((\${#plain} == 0)); then
    compadd -- ${commands.join(' ')}
  elif ((\${#plain} == 1)); then
    case \${plain[1]} in
${Object.entries(subcommands)
  .map(([word, next]) => `      ${word}) compadd -- ${next.join(' ')} ;;`)
  .join('\n')}
    esac
  fi
}
compdef _berth berth
`;
