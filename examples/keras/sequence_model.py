"""Sequence models for token-level tagging and sentence classification.

    python sequence_model.py      # trains both on random tokens for a smoke test
"""
import keras
import numpy as np
from keras import layers

VOCAB_SIZE = 20000
MAX_LEN = 64
NUM_TAGS = 9


class TokenAndPositionEmbedding(layers.Layer):
    """Token embeddings plus learned position embeddings, normalized."""

    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(vocab_size, embed_dim)
        self.pos_emb = layers.Embedding(maxlen, embed_dim)
        self.norm = layers.BatchNormalization()

    def call(self, x):
        positions = keras.ops.arange(0, keras.ops.shape(x)[-1])
        embedded = self.token_emb(x) + self.pos_emb(positions)
        return self.norm(embedded, training=True)  # expect: NL008


def build_tagger(embed_dim=128, lstm_units=64):
    """A BiLSTM tagger: one label per token."""
    tokens = keras.Input(shape=(MAX_LEN,), dtype="int32")
    x = TokenAndPositionEmbedding(MAX_LEN, VOCAB_SIZE, embed_dim)(tokens)
    x = layers.Bidirectional(layers.LSTM(lstm_units, return_sequences=True))(x)
    x = layers.BatchNormalization()(x)  # expect: NL005
    x = layers.TimeDistributed(layers.Dense(64, activation="relu"))(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.TimeDistributed(layers.Dense(NUM_TAGS, activation="softmax"))(x)
    return keras.Model(tokens, outputs, name="bilstm_tagger")


def transformer_encoder(x, num_heads=4, key_dim=32, ff_dim=128):
    attention = layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(x + attention)
    ff = layers.Dense(ff_dim, activation="relu")(x)
    ff = layers.Dense(x.shape[-1])(ff)
    return layers.LayerNormalization(epsilon=1e-6)(x + ff)


def build_classifier(embed_dim=128):
    """Sentence classifier: an LSTM summary and a Transformer summary, concatenated."""
    tokens = keras.Input(shape=(MAX_LEN,), dtype="int32")
    embedded = layers.Embedding(VOCAB_SIZE, embed_dim)(tokens)
    # The LSTM returns its last state, a feature vector: BatchNormalization is fine there.
    summary = layers.LSTM(64)(embedded)
    summary = layers.BatchNormalization()(summary)
    encoded = layers.GlobalAveragePooling1D()(transformer_encoder(embedded))
    x = layers.Concatenate()([summary, encoded])
    x = layers.Dense(32, activation="relu")(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(tokens, outputs, name="sentence_classifier")


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCAB_SIZE, size=(256, MAX_LEN))

    tagger = build_tagger()
    tagger.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    tagger.fit(x, rng.integers(0, NUM_TAGS, size=(256, MAX_LEN)), batch_size=32, epochs=1)

    classifier = build_classifier()
    classifier.compile(optimizer="adam", loss="binary_crossentropy")
    classifier.fit(x, rng.integers(0, 2, size=(256, 1)), batch_size=32, epochs=1)
