"""The topic tree, read once per request, and its one definition of "a topic and everything
below it" (`TopicTree.below`), which the filters of the texts themselves and the search's
named topics use. (The counts read PositionFacts, whose topics the database expands the same
way: each tag and every topic above it, archive_topic_lineage in migration 0012.)"""

from dataclasses import dataclass, field

from ..models import Topic


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

    def count(self, counts):
        """Set each node's counts of statements and resolutions, its sub-topics included, from
        {(type, topic id): count} (FacetEngine.topic_counts)."""
        for (kind, topic_id), n in counts.items():
            node = self.nodes.get(topic_id)
            if node:
                setattr(node, "statements" if kind == "statement" else "resolutions", n)
        return self
