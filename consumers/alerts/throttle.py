"""At most one notification per rule per period; what arrives meanwhile is held for one digest.

Times are wall-clock seconds, so the state read back from `news-alerts` after a restart (`restore`)
means the same thing it meant before."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.alerts import AlertEvent, AlertRule


@dataclass
class Throttle:
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

    def restore(self, held: dict[str, list[AlertEvent]], last_sent: dict[str, float]) -> None:
        for name, alerts in held.items():
            known = {a.id for a in self.held.get(name, [])}
            self.held.setdefault(name, []).extend(a for a in alerts if a.id not in known)
        for name, t in last_sent.items():
            self.last_sent[name] = max(t, self.last_sent.get(name, 0.0))
