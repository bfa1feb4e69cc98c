"""Heads that sit on the 512-d pooled features or on the last 512-channel feature map."""
import torch.nn as nn


class ClassifierHead(nn.Module):
    """Dropout + linear classifier on pooled features."""

    def __init__(self, in_features=512, num_classes=10, dropout=0.2):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(in_features, num_classes)

    def forward(self, features):
        return self.fc(self.dropout(features))


class ProjectionHead(nn.Module):
    """SimCLR-style MLP projection for contrastive pre-training (512 -> 256 -> 128)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(512, 256, bias=False),
            nn.BatchNorm1d(128),  # expect: NL011
            nn.ReLU(inplace=True),
            nn.Linear(256, 128),
        )

    def forward(self, features):
        return nn.functional.normalize(self.net(features), dim=1)


class DenseHead(nn.Module):
    """Per-location classifier on the last feature map, used for an auxiliary loss."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.reduce = nn.Sequential(
            nn.Conv2d(512, 128, kernel_size=1, bias=False),
            nn.BatchNorm1d(128),  # expect: NL011
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Conv2d(128, num_classes, kernel_size=1)

    def forward(self, feature_map):
        return self.classifier(self.reduce(feature_map))
