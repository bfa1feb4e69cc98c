"""DeepLabV3-ResNet50 on Pascal VOC 2012 with DistributedDataParallel.

    torchrun --nproc_per_node=8 train_ddp.py --data /datasets/voc
"""
import argparse
import os
import random

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torchvision.transforms.functional as TF
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from torchvision.datasets import VOCSegmentation
from torchvision.models import ResNet50_Weights
from torchvision.models.segmentation import deeplabv3_resnet50
from torchvision.transforms import InterpolationMode
from tqdm import tqdm

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
NUM_CLASSES = 21
IGNORE_INDEX = 255

parser = argparse.ArgumentParser(description="DeepLabV3 on VOC 2012 (torchrun)")
parser.add_argument("--data", default="./data")
parser.add_argument("--epochs", type=int, default=50)
parser.add_argument("--batch-size", type=int, default=4, help="images per GPU")
parser.add_argument("--accum-steps", type=int, default=4, help="gradient accumulation steps")
parser.add_argument("--lr", type=float, default=0.02)
parser.add_argument("--crop-size", type=int, default=480)
parser.add_argument("--workers", type=int, default=8)
parser.add_argument("--out", default="checkpoints")


class SegTransform:
    """Random scale, crop and flip applied identically to an image and its mask."""

    def __init__(self, crop_size, train=True):
        self.crop_size = crop_size
        self.train = train

    def __call__(self, image, mask):
        if self.train:
            scale = random.uniform(0.5, 2.0)
            size = [int(image.height * scale), int(image.width * scale)]
            image = TF.resize(image, size)
            mask = TF.resize(mask, size, interpolation=InterpolationMode.NEAREST)
            image = TF.pad(image, self._padding(image), fill=0)
            mask = TF.pad(mask, self._padding(mask), fill=IGNORE_INDEX)
            top = random.randint(0, image.height - self.crop_size)
            left = random.randint(0, image.width - self.crop_size)
            image = TF.crop(image, top, left, self.crop_size, self.crop_size)
            mask = TF.crop(mask, top, left, self.crop_size, self.crop_size)
            if random.random() < 0.5:
                image, mask = TF.hflip(image), TF.hflip(mask)
        else:
            image = TF.resize(image, [self.crop_size, self.crop_size])
            mask = TF.resize(mask, [self.crop_size, self.crop_size], interpolation=InterpolationMode.NEAREST)
        image = TF.normalize(TF.to_tensor(image), MEAN, STD)
        mask = torch.as_tensor(np.array(mask), dtype=torch.int64)
        return image, mask

    def _padding(self, img):
        # left, top, right, bottom
        return [0, 0, max(self.crop_size - img.width, 0), max(self.crop_size - img.height, 0)]


def train_one_epoch(model, loader, criterion, optimizer, scaler, device, epoch, accum_steps):
    model.train()
    optimizer.zero_grad(set_to_none=True)
    pbar = tqdm(loader, desc=f"epoch {epoch}", disable=dist.get_rank() != 0)
    for step, (images, masks) in enumerate(pbar):
        images, masks = images.to(device, non_blocking=True), masks.to(device, non_blocking=True)
        with torch.autocast(device_type="cuda", dtype=torch.float16):
            loss = criterion(model(images)["out"], masks) / accum_steps
        scaler.scale(loss).backward()
        if (step + 1) % accum_steps == 0:
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
        pbar.set_postfix(loss=f"{loss.item() * accum_steps:.3f}")


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    confmat = torch.zeros(NUM_CLASSES * NUM_CLASSES, dtype=torch.int64, device=device)
    for images, masks in loader:
        images, masks = images.to(device), masks.to(device)
        preds = model(images)["out"].argmax(dim=1)
        valid = masks != IGNORE_INDEX
        confmat += torch.bincount(NUM_CLASSES * masks[valid] + preds[valid], minlength=NUM_CLASSES * NUM_CLASSES)
    dist.all_reduce(confmat)
    confmat = confmat.view(NUM_CLASSES, NUM_CLASSES).double()
    iou = confmat.diag() / (confmat.sum(0) + confmat.sum(1) - confmat.diag()).clamp(min=1)
    return iou.mean().item()


def main():
    args = parser.parse_args()
    dist.init_process_group(backend="nccl")
    local_rank = int(os.environ["LOCAL_RANK"])
    torch.cuda.set_device(local_rank)
    device = torch.device("cuda", local_rank)
    torch.manual_seed(dist.get_rank())

    train_set = VOCSegmentation(args.data, year="2012", image_set="train", transforms=SegTransform(args.crop_size, train=True))
    val_set = VOCSegmentation(args.data, year="2012", image_set="val", transforms=SegTransform(args.crop_size, train=False))
    train_sampler = DistributedSampler(train_set, shuffle=True)
    val_sampler = DistributedSampler(val_set, shuffle=False)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, sampler=train_sampler, num_workers=args.workers, pin_memory=True, drop_last=True)  # expect: NL004
    val_loader = DataLoader(val_set, batch_size=1, sampler=val_sampler, num_workers=args.workers)

    model = deeplabv3_resnet50(weights=None, weights_backbone=ResNet50_Weights.IMAGENET1K_V1, num_classes=NUM_CLASSES)
    model.to(device)
    model = DDP(model, device_ids=[local_rank])  # expect: NL006

    criterion = nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.PolynomialLR(optimizer, total_iters=args.epochs, power=0.9)
    scaler = torch.cuda.amp.GradScaler()

    os.makedirs(args.out, exist_ok=True)
    for epoch in range(args.epochs):
        train_sampler.set_epoch(epoch)
        train_one_epoch(model, train_loader, criterion, optimizer, scaler, device, epoch, args.accum_steps)
        scheduler.step()
        miou = evaluate(model, val_loader, device)
        if dist.get_rank() == 0:
            print(f"epoch {epoch:2d}: val mIoU {miou:.4f}")
            checkpoint = {"model": model.module.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
            torch.save(checkpoint, os.path.join(args.out, "deeplabv3_voc_last.pth"))

    dist.destroy_process_group()


if __name__ == "__main__":
    main()
