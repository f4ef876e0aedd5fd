"""At most one notification per rule per period; what arrives meanwhile is held for one digest."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.alerts import AlertEvent, AlertRule


@dataclass
class Throttle:
    """At most one notification per rule per `throttle_s`; what arrives meanwhile waits for a digest."""

    last_sent: dict[str, float] = field(default_factory=dict)
    held: dict[str, list[AlertEvent]] = field(default_factory=dict)

    def offer(self, rule: AlertRule, alert: AlertEvent, now: float) -> bool:
        """True: notify now. False: held for the digest."""
        if not rule.throttle_s:
            return True
        last = self.last_sent.get(rule.name)
        if last is None or now - last >= rule.throttle_s:
            self.last_sent[rule.name] = now
            return True
        self.held.setdefault(rule.name, []).append(alert)
        return False

    def due(self, rules: dict[str, AlertRule], now: float) -> list[tuple[str, list[AlertEvent]]]:
        out = []
        for name, alerts in list(self.held.items()):
            rule = rules.get(name)
            if rule is None or not rule.throttle_s or now - self.last_sent.get(name, 0) >= rule.throttle_s:
                out.append((name, alerts))
                del self.held[name]
                self.last_sent[name] = now
        return out
