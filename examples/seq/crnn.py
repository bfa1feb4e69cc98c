"""CRNN (Shi, Bai & Yao, 2015) for scene-text recognition, trained with nn.CTCLoss.

Input: grayscale text-line crops of height 32, shape (B, 1, 32, W).
Output: log-probabilities of shape (T, B, num_classes) with T = W // 4 - 1.
"""
import torch.nn as nn


class BidirectionalLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = nn.LSTM(input_size, hidden_size, bidirectional=True)
        self.embedding = nn.Linear(hidden_size * 2, output_size)

    def forward(self, x):
        recurrent, _ = self.rnn(x)  # (T, B, 2 * hidden)
        steps, batch, features = recurrent.size()
        output = self.embedding(recurrent.reshape(steps * batch, features))
        return output.view(steps, batch, -1)


class CRNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, hidden_size=256):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(in_channels, 64, 3, 1, 1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2),  # 64 x 16 x W/2
            nn.Conv2d(64, 128, 3, 1, 1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2),  # 128 x 8 x W/4
            nn.Conv2d(128, 256, 3, 1, 1, bias=False),
            nn.BatchNorm2d(256),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, 3, 1, 1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d((2, 1), (2, 1)),  # 256 x 4 x W/4
            nn.Conv2d(256, 512, 3, 1, 1, bias=False),
            nn.BatchNorm2d(512),
            nn.ReLU(inplace=True),
            nn.Conv2d(512, 512, 3, 1, 1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d((2, 1), (2, 1)),  # 512 x 2 x W/4
            nn.Conv2d(512, 512, 2, 1, 0, bias=False),
            nn.BatchNorm2d(512),
            nn.ReLU(inplace=True),  # 512 x 1 x (W/4 - 1)
        )
        self.rnn = nn.Sequential(
            BidirectionalLSTM(512, hidden_size, hidden_size),
            BidirectionalLSTM(hidden_size, hidden_size, num_classes),
        )

    def forward(self, images):
        features = self.cnn(images)  # (B, 512, 1, T)
        features = features.squeeze(2).permute(2, 0, 1)  # (T, B, 512)
        return self.rnn(features).log_softmax(dim=2)
