"""Virtual adversarial training in AAEClassifier's classification phase (exploration).

Replaces the classification step (a private method) for this process: the labelled
batch's cross-entropy plus VAT_W times the KL divergence between q(y|x) and q(y|x + r)
on the whole batch, r the virtual adversarial direction (one power iteration) of norm
VAT_EPS, plus ENT_W times the entropy of q(y|x). Split as in bench_family_digits.py,
pixels / 16; PARAMS (JSON) go to AAEClassifier. Prints the AAE's and LabelSpreading(knn,
7)'s accuracy per seed. Run, e.g.:
VAT_EPS=1.0 VAT_W=1.0 PARAMS='{"input_noise":0.1}' OMP_NUM_THREADS=1 python semi_vat.py 0 1 2 3 4
"""

import json
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from semi_ensemble import split  # this folder: bench_family_digits.py's split
from sklearn.semi_supervised import LabelSpreading

from sklearn_aae import AAEClassifier
from sklearn_aae._training import AAENet

torch.set_num_threads(1)
warnings.simplefilter("ignore")
EPS = float(os.environ.get("VAT_EPS", "1.0"))
W = float(os.environ.get("VAT_W", "1.0"))
ENT = float(os.environ.get("ENT_W", "0.0"))
XI = 1e-6


def _norm(d):
    return d / (d.flatten(1).norm(dim=1, keepdim=True) + 1e-12)


def step(self, batch, x):
    module = self.module_
    self.optimizer_.zero_grad(set_to_none=True)
    x_lab = self._corrupted(batch["x_labelled"])
    _, logits = module.encoder(x_lab, self.noise_generator_)
    loss = F.cross_entropy(logits.float(), batch["y_labelled"])
    ce = loss.detach()
    if W > 0 or ENT > 0:
        _, lu = module.encoder(x, self.noise_generator_)
        p = F.softmax(lu.detach(), 1)
        if W > 0:
            d = (XI * _norm(torch.randn_like(x))).requires_grad_()
            _, ld = module.encoder(x + d, self.noise_generator_)
            kl = F.kl_div(F.log_softmax(ld, 1), p, reduction="batchmean")
            (g,) = torch.autograd.grad(kl, d)
            r = EPS * _norm(g)
            _, la = module.encoder(x + r, self.noise_generator_)
            loss = loss + W * F.kl_div(F.log_softmax(la, 1), p, reduction="batchmean")
        if ENT > 0:
            q = F.softmax(lu, 1)
            loss = loss + ENT * -(q * F.log_softmax(lu, 1)).sum(1).mean()
    loss.backward()
    self.optimizer_.step()
    return ce


AAENet._classification_step = step

params = json.loads(os.environ.get("PARAMS", "{}"))
res = []
for seed in map(int, sys.argv[1:]):
    Xtr, Xte, ytr, yte, lab, yp = split(seed)
    clf = AAEClassifier(random_state=seed, **params).fit(Xtr, yp)
    ls = LabelSpreading(kernel="knn", n_neighbors=7).fit(Xtr, yp)
    row = (clf.score(Xte, yte), ls.score(Xte, yte))
    res.append(row)
    print(seed, row, flush=True)
r = np.array(res)
print(
    "mean",
    r.mean(0),
    "diff",
    (r[:, 0] - r[:, 1]).mean(),
    "wins",
    (r[:, 0] > r[:, 1]).sum(),
    flush=True,
)
