"""The topic tree, read once per request, and its one definition of "a topic and everything
below it" (`TopicTree.below`), which the filters, the facets, the topic pages and the search's
named topics all use; and the counts of positions per topic, sub-topics included."""

from dataclasses import dataclass, field

from django.db import connection

from ..codes import Status
from ..models import Statement, Topic, public, table


@dataclass
class TopicNode:
    id: int
    key: str
    name: str
    parent_id: int | None
    children: list = field(default_factory=list)
    depth: int = 0
    statements: int = 0
    resolutions: int = 0

    @property
    def total(self):
        return self.statements + self.resolutions


class TopicTree:
    """Every topic, read in one query, as a tree: for labels, sub-topics and counts."""

    def __init__(self, topics=None):
        rows = (
            topics
            if topics is not None
            else Topic.objects.values_list("id", "key", "name", "parent_id").order_by("name")
        )
        self.nodes = {row[0]: TopicNode(*row) for row in rows}
        self.by_key = {node.key: node for node in self.nodes.values()}
        self.roots = []
        for node in self.nodes.values():
            parent = self.nodes.get(node.parent_id)
            (parent.children if parent else self.roots).append(node)
        self._set_depth(self.roots, 0, set())

    def _set_depth(self, nodes, depth, seen):
        for node in nodes:
            if node.id in seen:
                continue
            seen.add(node.id)
            node.depth = depth
            self._set_depth(node.children, depth + 1, seen)

    def below(self, topic_ids):
        """The ids of these topics and of every topic below them: what a topic filter, a
        topic's count and a topic named in a search take in. Literal ids, which the planner
        can estimate (a recursive CTE inside EXISTS it cannot)."""
        ids, frontier = set(topic_ids), list(topic_ids)
        while frontier:
            node = self.nodes.get(frontier.pop())
            for child in node.children if node else ():
                if child.id not in ids:
                    ids.add(child.id)
                    frontier.append(child.id)
        return ids

    def walk(self, nodes=None):
        """Depth-first, in name order: the order a tree list shows."""
        for node in self.roots if nodes is None else nodes:
            yield node
            yield from self.walk(node.children)

    def count(self, statements, resolutions):
        """Set each node's counts of statements and resolutions, its sub-topics included."""
        for (kind, topic_id), n in topic_counts(statements, resolutions, self).items():
            node = self.nodes.get(topic_id)
            if node:
                setattr(node, "statements" if kind == "statement" else "resolutions", n)
        return self


def id_subquery(queryset):
    """(sql, params) of the queryset's ids, or None when it is empty by construction."""
    if queryset.query.is_empty():
        return None
    return queryset.order_by().values("pk").query.sql_with_params()


def topic_counts(statements, resolutions, tree):
    """{(type, topic id): how many of these items carry the topic or one below it}, in one
    query: each item counted once per topic, however many of its sub-topics it carries.

    The selection's tags are read once. A topic without sub-topics is counted by grouping
    them (an item carries a topic at most once, so no DISTINCT is needed); only the topics
    with sub-topics count distinct items, over the tags of their own subtree."""
    descendants, ancestors = [], []
    for node in tree.nodes.values():
        if node.children:
            for below in sorted(tree.below([node.id])):
                descendants.append(below)
                ancestors.append(node.id)
    parents = sorted(set(ancestors))
    ctes, cte_params, parts, params = [], [], [], []
    for queryset in (statements, resolutions):
        subquery = id_subquery(queryset)
        if subquery is None:
            continue
        model = queryset.model
        kind = model._meta.model_name
        through = model.topics.through
        item = through._meta.get_field(kind).column
        tags = f"{kind}_tags"
        select = f"SELECT x.{item} AS item, x.topic_id FROM {table(through)} x"
        if subquery != id_subquery(public(model)):
            ctes.append(f"{tags} AS MATERIALIZED ({select} WHERE x.{item} IN ({subquery[0]}))")
            cte_params += subquery[1]
        elif model is Statement:
            # Every published statement: leave out the few drafts' tags (an index lookup)
            # rather than read every statement to find the published ones.
            ctes.append(
                f"{tags} AS MATERIALIZED ({select} WHERE NOT EXISTS (SELECT 1"
                f" FROM {table(Statement)} s WHERE s.id = x.{item} AND s.status = ANY(%s)))"
            )
            cte_params.append([v for v in Status.values if v != Status.PUBLISHED])
        else:
            ctes.append(f"{tags} AS MATERIALIZED ({select})")
        parts.append(
            f"SELECT %s, topic_id, COUNT(*) FROM {tags}"
            f" WHERE NOT (topic_id = ANY(%s)) GROUP BY topic_id"
        )
        params += [kind, parents]
        if parents:
            parts.append(
                f"SELECT %s, c.ancestor, COUNT(DISTINCT t.item) FROM {tags} t"
                f" JOIN closure c ON c.descendant = t.topic_id GROUP BY c.ancestor"
            )
            params += [kind]
    if not parts:
        return {}
    closure = "closure(descendant, ancestor) AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))"
    sql = f"WITH {closure}, {', '.join(ctes)} {' UNION ALL '.join(parts)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [descendants, ancestors, *cte_params, *params])
        return {(kind, topic_id): n for kind, topic_id, n in cursor.fetchall()}
