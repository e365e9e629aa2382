#!/usr/bin/env python3
"""The engine's optimisers and learning-rate schedule against NumPy.

Runs the trajectories program (its path is the one argument), which prints what the C++ update
rules, the schedule and the Trainer did over several steps together with everything they were
given, and recomputes each step here in float64 from the textbook formulas (the README's
"Engine definitions"):
  ĝ = s·(g + λθ), s = 1 (sum) or 1/B (mean), λ = 0 for biases
  sgd       θ ← θ − lr·ĝ
  momentum  v ← μv − lr·ĝ;  θ ← θ + v
  adam      m ← β₁m + (1−β₁)ĝ;  u ← β₂u + (1−β₂)ĝ²;  θ ← θ − lr·(m/(1−β₁ᵗ)) / (√(u/(1−β₂ᵗ)) + ε)
  adadelta  u ← ρu + (1−ρ)ĝ²;  Δ = √((x + ε)/(u + ε))·ĝ;  x ← ρx + (1−ρ)Δ²;  θ ← θ − lr·Δ
  schedule  after epoch k ≥ 3: × anneal factor if annealing and loss_k > loss_{k−1};
            then × step factor if k is a multiple of the step-decay period.
For the Trainer, the network's forward and backward passes are recomputed here too, from the
data, the starting weights and the settings alone. The float engine holds its settings
(lr, λ, μ, β₁, β₂, ε, ρ) as float32, so for it they are rounded to float32 here too (0.999 becomes
0.99900001). Errors are max|C++ − NumPy| / max|NumPy| over each array: at most 1e-6 for the
float rules, 1e-12 for the double ones, 1e-5 for float training through the Trainer (many float
products per step). Exits 1 on any failure.
"""
import json
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print('check_optimizers.py needs NumPy (Debian: apt-get install python3-numpy)', file=sys.stderr)
    sys.exit(1)

TOLERANCE = {'float': 1e-6, 'double': 1e-12}
TRAINER_TOLERANCE = 1e-5
SCHEDULE_TOLERANCE = 1e-12

failures = []
checks = 0


def error(got, want):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return float('inf')
    if want.size == 0:
        return 0.0
    return float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-300))


def check(label, got, want, tolerance):
    global checks
    checks += 1
    e = error(got, want)
    if not e <= tolerance:
        failures.append(f'{label}: relative error {e:.3g} > {tolerance:g}')
    return e


class Rule:
    """One optimiser over a list of parameter arrays, each flagged as weights (L2) or not."""

    def __init__(self, settings, shapes, precision):
        if precision == 'float':  # the values a float engine holds
            settings = {k: float(np.float32(v)) if isinstance(v, float) else v for k, v in settings.items()}
        self.precision = np.float32 if precision == 'float' else np.float64
        self.kind = settings['optimizer']
        self.lr = settings['learning_rate']
        self.l2 = settings['l2']
        self.mu = settings['momentum']
        self.b1, self.b2, self.eps = settings['beta1'], settings['beta2'], settings['epsilon']
        self.rho, self.adadelta_eps = settings['rho'], settings['adadelta_epsilon']
        self.x = [np.zeros(s) for s in shapes]
        self.v = [np.zeros(s) for s in shapes]
        self.m = [np.zeros(s) for s in shapes]
        self.u = [np.zeros(s) for s in shapes]
        self.t = 0

    def step(self, params, grads, is_weight, scale, lr=None):
        lr = self.lr if lr is None else float(self.precision(lr))
        self.t += 1
        out = []
        for k, (theta, g) in enumerate(zip(params, grads)):
            ghat = scale * (g + (self.l2 * theta if is_weight[k] else 0.0))
            if self.kind == 'sgd':
                theta = theta - lr * ghat
            elif self.kind == 'momentum':
                self.v[k] = self.mu * self.v[k] - lr * ghat
                theta = theta + self.v[k]
            elif self.kind == 'adam':
                self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * ghat
                self.u[k] = self.b2 * self.u[k] + (1 - self.b2) * ghat**2
                m_hat = self.m[k] / (1 - self.b1**self.t)
                u_hat = self.u[k] / (1 - self.b2**self.t)
                theta = theta - lr * m_hat / (np.sqrt(u_hat) + self.eps)
            elif self.kind == 'adadelta':
                self.u[k] = self.rho * self.u[k] + (1 - self.rho) * ghat**2
                delta = np.sqrt((self.x[k] + self.adadelta_eps) / (self.u[k] + self.adadelta_eps)) * ghat
                self.x[k] = self.rho * self.x[k] + (1 - self.rho) * delta**2
                theta = theta - lr * delta
            else:
                raise ValueError(f'unknown optimizer {self.kind}')
            out.append(theta)
        return out


def reduction_scale(settings, batch):
    return 1.0 / batch if settings['reduction'] == 'mean' else 1.0


def check_rules(cases):
    worst = {}
    for case in cases:
        label = f"rule {case['label']} ({case['precision']})"
        layer = case['initial'][0]
        params = [np.array(layer['weights']), np.array(layer['bias'])]
        rule = Rule(case['settings'], [p.shape for p in params], case['precision'])
        scale = reduction_scale(case['settings'], case['batch'])
        e = 0.0
        for t, (given, after) in enumerate(zip(case['gradients'], case['after'])):
            grads = [np.array(given['weights']), np.array(given['bias'])]
            params = rule.step(params, grads, [True, False], scale)
            e = max(e, check(f'{label}, step {t + 1}, weights', after[0]['weights'], params[0],
                             TOLERANCE[case['precision']]))
            e = max(e, check(f'{label}, step {t + 1}, biases', after[0]['bias'], params[1],
                             TOLERANCE[case['precision']]))
        worst[case['precision']] = max(worst.get(case['precision'], 0.0), e)
    return worst


def schedule_rates(lr, losses, anneal, anneal_factor, every, step_factor):
    rates = [lr]
    for k in range(1, len(losses) + 1):  # k epochs completed
        if anneal and k >= 3 and losses[k - 1] > losses[k - 2]:
            lr *= anneal_factor
        if every > 0 and k % every == 0:
            lr *= step_factor
        rates.append(lr)
    return rates


def check_schedules(cases):
    worst = 0.0
    for case in cases:
        want = schedule_rates(case['learning_rate'], case['losses'], case['anneal_on_rise'],
                              case['anneal_factor'], case['step_decay_every'], case['step_decay_factor'])
        for k, (got, w) in enumerate(zip(case['rates'], want)):
            worst = max(worst, check(f"schedule {case['label']}, epoch {k + 1}", got, w, SCHEDULE_TOLERANCE))
        if len(case['rates']) != len(want):
            failures.append(f"schedule {case['label']}: {len(case['rates'])} rates, expected {len(want)}")
    return worst


def activate(name, z):
    if name == 'sigmoid':
        return 1 / (1 + np.exp(-z))
    if name == 'tanh':
        return np.tanh(z)
    if name == 'relu':
        return np.maximum(z, 0)
    if name == 'identity':
        return z
    if name == 'softmax':
        p = np.exp(z - z.max(axis=0))
        return p / p.sum(axis=0)
    raise ValueError(name)


def derivative(name, a):
    """f'(z) written through a = f(z), for the hidden and non-softmax output layers."""
    return {'sigmoid': a * (1 - a), 'tanh': 1 - a**2, 'relu': (a > 0).astype(np.float64),
            'identity': np.ones_like(a)}[name]


def loss_and_output_error(loss, activation, z, o, y):
    """Summed per-sample loss of the batch and e = ∂L/∂z of the output layer."""
    if loss == 'cross-entropy':  # softmax output: L = −Σ y log p, e = p − y
        return float(-np.sum(y * np.log(o))), o - y
    d = o - y
    if loss == 'mse':
        total, dl_do = float(np.sum(d**2)), 2 * d
    elif loss == 'total-squared-error':  # the NumPy tutorial: Σ d² reported, stepped along d
        total, dl_do = float(np.sum(d**2)), d
    else:  # squared-error
        total, dl_do = 0.5 * float(np.sum(d**2)), d
    if activation == 'softmax':
        return total, o * (dl_do - np.sum(o * dl_do, axis=0))
    return total, dl_do * derivative(activation, o)


def check_trainer(cases):
    worst = 0.0
    for case in cases:
        label = f"trainer {case['label']}"
        s = case['settings']
        layers = case['initial']
        acts = [l['activation'] for l in layers]
        params = []
        for l in layers:
            params += [np.array(l['weights']), np.array(l['bias'])]
        is_weight = [k % 2 == 0 for k in range(len(params))]
        rule = Rule(s, [p.shape for p in params], 'float')
        labels = np.array(case['labels'])
        count = len(labels)
        x = np.array(case['images'], dtype=np.float64).reshape(count, -1).T / 255.0
        y = np.zeros((np.array(layers[-1]['weights']).shape[1], count))
        y[labels, np.arange(count)] = 1.0
        batch = case['batch']
        epochs = case['epochs']
        lr = s['learning_rate']
        losses, rates, step = [], [], 0
        for epoch in range(len(epochs)):
            rates.append(lr)
            epoch_loss = 0.0
            for first in range(0, count, batch):
                cols = slice(first, min(first + batch, count))
                size = cols.stop - cols.start
                a = [x[:, cols]]
                zs = []
                for k in range(len(layers)):
                    W, b = params[2 * k], params[2 * k + 1]
                    z = W.T @ a[-1] + (b[:, None] if b.size else 0.0)
                    zs.append(z)
                    a.append(activate(acts[k], z))
                total, e = loss_and_output_error(case['loss'], acts[-1], zs[-1], a[-1], y[:, cols])
                grads = [None] * len(params)
                for k in reversed(range(len(layers))):
                    grads[2 * k] = a[k] @ e.T
                    grads[2 * k + 1] = e.sum(axis=1) if params[2 * k + 1].size else params[2 * k + 1]
                    if k > 0:
                        e = (params[2 * k] @ e) * derivative(acts[k - 1], a[k])
                params = rule.step(params, grads, is_weight, reduction_scale(s, size), lr)
                after = case['after'][step]
                for k in range(len(layers)):
                    worst = max(worst, check(f'{label}, step {step + 1}, layer {k + 1} weights',
                                             after[k]['weights'], params[2 * k], TRAINER_TOLERANCE))
                    worst = max(worst, check(f'{label}, step {step + 1}, layer {k + 1} biases',
                                             after[k]['bias'], params[2 * k + 1], TRAINER_TOLERANCE))
                check(f'{label}, step {step + 1}, batch loss', case['batch_losses'][step], total / size,
                      TRAINER_TOLERANCE)
                epoch_loss += total
                step += 1
            # With L2, the blog's cost: + λ·Σw²/N over the weights at the epoch's end.
            penalty = s['l2'] * sum(float(np.sum(p**2)) for p, w in zip(params, is_weight) if w)
            losses.append(epoch_loss / count + penalty / count)
            check(f'{label}, epoch {epoch + 1}, training loss', epochs[epoch]['train_loss'], losses[-1],
                  TRAINER_TOLERANCE)
            check(f'{label}, epoch {epoch + 1}, learning rate', epochs[epoch]['learning_rate'], rates[-1],
                  SCHEDULE_TOLERANCE)
            lr = schedule_rates(s['learning_rate'], losses, case['anneal_on_rise'], case['anneal_factor'],
                                case['step_decay_every'], case['step_decay_factor'])[-1]
        if step != len(case['after']):
            failures.append(f"{label}: {len(case['after'])} steps, expected {step}")
    return worst


def main():
    if len(sys.argv) != 2:
        print('usage: check_optimizers.py TRAJECTORIES_PROGRAM', file=sys.stderr)
        return 2
    run = subprocess.run([sys.argv[1]], capture_output=True, text=True)
    if run.returncode != 0:
        print(f'{sys.argv[1]} failed ({run.returncode}): {run.stderr.strip()}', file=sys.stderr)
        return 1
    data = json.loads(run.stdout)
    rules = check_rules(data['rules'])
    schedules = check_schedules(data['schedules'])
    trainer = check_trainer(data['trainer'])
    print(f"update rules: {len(data['rules'])} cases, worst relative error "
          f"float {rules.get('float', 0):.2g} (≤ {TOLERANCE['float']:g}), "
          f"double {rules.get('double', 0):.2g} (≤ {TOLERANCE['double']:g})")
    print(f"schedules: {len(data['schedules'])} cases, worst relative error {schedules:.2g}")
    print(f"trainer: {len(data['trainer'])} runs, worst relative error {trainer:.2g} (≤ {TRAINER_TOLERANCE:g})")
    for f in failures[:20]:
        print('FAIL', f)
    if len(failures) > 20:
        print(f'... and {len(failures) - 20} more failures')
    print(f'{checks - len(failures)} passed, {len(failures)} failed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
