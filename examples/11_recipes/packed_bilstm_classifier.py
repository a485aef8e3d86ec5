r"""
A BiLSTM classifier on packed, variable-length sequences
========================================================

A common use of ``h_n``: classify variable-length sequences from the last hidden
states. The model below packs the padded batch, so each sequence ends at its own
length, and feeds a linear layer the top layer's forward *and* backward final
states, ``torch.cat((h_n[-2], h_n[-1]), dim=1)``, which is what
:func:`rnnstate.final_state` returns for a 2-layer bidirectional LSTM. It trains
on a toy task for 150 steps to show that the whole loop runs and learns.
"""

# %%
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnnstate


class Classifier(nn.Module):
    """Packed BiLSTM encoder, then a linear layer on the top layer's final states."""

    def __init__(self, input_size: int, hidden_size: int, num_classes: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            input_size, hidden_size, num_layers=2, batch_first=True, bidirectional=True
        )
        self.head = nn.Linear(2 * hidden_size, num_classes)  # D * H_out features

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Classify a padded batch ``(N, L, H_in)`` whose valid lengths are ``lengths``."""
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        feature = rnnstate.final_state(h_n, self.lstm)  # (N, 2 * hidden_size)
        return self.head(feature)


# %%
# The toy task: is the *first* value of a sequence positive? The answer sits at
# step 0, the farthest step from the end of a long sequence.
torch.manual_seed(0)
N, L = 64, 12
lengths = torch.randint(1, L + 1, (N,))
x = torch.randn(N, L, 1)
for i, n in enumerate(lengths):
    x[i, n:] = 0
y = (x[:, 0, 0] > 0).long()

model = Classifier(input_size=1, hidden_size=8, num_classes=2)
print("logits:", tuple(model(x, lengths).shape))
assert model(x, lengths).shape == (N, 2)

# %%
# The feature is ``torch.cat((h_n[-2], h_n[-1]), dim=1)``, and it equals the
# halves of the packed ``output`` at each sequence's last valid step and at step 0.
packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
packed_output, (h_n, c_n) = model.lstm(packed)
feature = rnnstate.final_state(h_n, model.lstm)
assert torch.equal(feature, torch.cat((h_n[-2], h_n[-1]), dim=1))
same = torch.equal(rnnstate.last_output(packed_output, model.lstm), feature)
print("final_state(h_n) == last_output(packed output):", same)
assert same

# %%
# Train for 150 steps with Adam: the loss falls to less than half of where it
# started.
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
loss_fn = nn.CrossEntropyLoss()
losses = []
for _ in range(150):
    optimizer.zero_grad()
    loss = loss_fn(model(x, lengths), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
accuracy = (model(x, lengths).argmax(1) == y).float().mean().item()
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, training accuracy {accuracy:.2f}")
assert losses[-1] < losses[0] / 2

# %%
# Check it yourself
# -----------------
# The picture shows which cells the classifier read, for four sequences of the
# batch (each forward final state at its own length, each backward one at step 0);
# the table is :func:`rnnstate.check` run on the trained LSTM and the same batch.
fig = rnnstate.plot_unrolled(model.lstm, seq_len=L, lengths=lengths[:4])
report = rnnstate.check(model.lstm, packed)
assert report.ok
report
