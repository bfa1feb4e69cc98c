"""Sequence taggers (POS / NER) over padded batches of token ids."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class LSTMTagger(nn.Module):
    """Embedding -> 2-layer BiLSTM -> feature normalization -> per-token classifier."""

    def __init__(self, vocab_size, num_tags, embedding_dim=128, hidden_dim=256, pad_idx=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_idx)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers=2, batch_first=True, bidirectional=True, dropout=0.3)
        self.norm = nn.BatchNorm1d(2 * hidden_dim)  # expect: NL005
        self.classifier = nn.Linear(2 * hidden_dim, num_tags)

    def forward(self, tokens, lengths):
        embedded = self.embedding(tokens)  # (B, T, E)
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, _ = self.lstm(packed)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=tokens.size(1))  # (B, T, 2H)
        output = self.norm(output.transpose(1, 2)).transpose(1, 2)
        return self.classifier(output)  # (B, T, num_tags)


class StepwiseTagger(nn.Module):
    """Unrolled LSTMCell tagger that normalizes the hidden state at every time step."""

    def __init__(self, vocab_size, num_tags, embedding_dim=128, hidden_dim=256, pad_idx=0):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_idx)
        self.cell = nn.LSTMCell(embedding_dim, hidden_dim)
        self.norm = nn.BatchNorm1d(hidden_dim)  # expect: NL005
        self.classifier = nn.Linear(hidden_dim, num_tags)

    def forward(self, tokens):
        embedded = self.embedding(tokens)  # (B, T, E)
        batch_size, seq_len, _ = embedded.shape
        h = embedded.new_zeros(batch_size, self.hidden_dim)
        c = embedded.new_zeros(batch_size, self.hidden_dim)
        logits = []
        for t in range(seq_len):
            h, c = self.cell(embedded[:, t], (h, c))
            h = self.norm(h)
            logits.append(self.classifier(h))
        return torch.stack(logits, dim=1)  # (B, T, num_tags)
