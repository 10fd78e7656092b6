"""Stable lint rule codes and their explanations (the docs site gives each one a page).

Codes never change meaning and are never reused, so scripts, CI annotations and the docs can
name a rule while the wording of messages improves. Add new rules at the end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    explanation: str
    example: str = ""


RULES: tuple[Rule, ...] = (
    Rule(
        "TS101",
        "unknown-fact",
        "A condition reads a fact the probe does not return.",
        "Each probe declares the facts it returns (`@probe(facts={...})`, listed on its page). A "
        "condition on a fact it does not declare never matches, so the branch is silently dead: "
        "usually a typo. Dotted paths are checked by their first part.",
        "when: {fact: stage_grop, equals: sleeping}   # space.runtime returns stage_group",
    ),
    Rule(
        "TS102",
        "value-not-allowed",
        "A condition compares a fact with a value the probe never returns.",
        "Where a probe's fact description lists its values (`running | starting | sleeping`), "
        "`equals`, `not_equals` and `in` may only name those values. For a question, the values "
        "are its `choices`.",
        "when: {fact: stage_group, equals: sleping}",
    ),
    Rule(
        "TS103",
        "unresolvable-reference",
        "A `${...}` reference names no input, question key or earlier check's fact.",
        "References in check arguments, input defaults and remediation arguments must be written "
        "in lowercase and name an input, a question's key, or `NODE.FACT` where NODE is a check "
        "whose probe returns FACT. Anything else would be substituted by an empty value.",
        "args: {repo: '${Repo}'}   # inputs are lowercase: ${repo}",
    ),
    Rule(
        "TS104",
        "unknown-input",
        "A condition reads an input that no input declares and no question asks.",
        "`{input: KEY, ...}` reads an answer; declare KEY under `inputs:` or ask it with a question.",
        "when: {input: base_modle, exists: true}",
    ),
    Rule("TS105", "unknown-probe", "A check names a probe that is not registered.", "See the probes list."),
    Rule(
        "TS106",
        "probe-argument",
        "A check gives an argument its probe does not take, or misses a required one.",
        "Probe arguments are the probe function's keyword parameters, listed on the probe's page.",
    ),
    Rule(
        "TS107",
        "unknown-node",
        "A branch, `otherwise`, `start` or a condition's `of:` names a node that does not exist.",
        "Node ids are the keys under `nodes`, the ids of checklist steps and the keys under `diagnoses`.",
    ),
    Rule(
        "TS108",
        "dead-end",
        "A check or question has no `otherwise`.",
        "In a checklist the next step is the default; the last step needs an explicit `otherwise`.",
    ),
    Rule(
        "TS109",
        "unknown-cause",
        "A diagnosis names a cause that is not in the cause library.",
        "Add the cause to `troubleshooter/causes/*.yaml` (never rename an existing slug).",
    ),
    Rule(
        "TS110",
        "no-remediation",
        "A problem diagnosis offers no remediation.",
        "Give the cause remediations in the library, or the diagnosis its own.",
    ),
    Rule(
        "TS111",
        "unknown-remediation",
        "A diagnosis names a remediation neither the playbook nor the library defines.",
        "Define it under `remediations:` in the playbook or in the cause library.",
    ),
    Rule("TS112", "unreachable-node", "A node cannot be reached from `start`.", "Wire it in or delete it."),
    Rule("TS113", "cycle", "The tree loops back to a node it came from.", "Walks must end; remove the loop."),
    Rule(
        "TS114",
        "action",
        "A remediation's action is unknown, takes other arguments, escapes its path or gets too little consent.",
        "See the actions table in the guide to writing playbooks.",
    ),
    Rule(
        "TS115",
        "unknown-condition",
        "`when:` names a condition that is not defined, or a named condition refers to itself.",
        "Define it under `conditions:` in the playbook or in the cause library.",
    ),
    Rule(
        "TS116",
        "defined-twice",
        "A node, cause, remediation, condition or playbook id is defined twice.",
        "Each thing has one home: keep one definition and refer to it by id.",
    ),
)

BY_CODE = {rule.code: rule for rule in RULES}
