// Original file: proto/agent/v1/agent.proto

export const MediaClass = {
  MEDIA_CLASS_UNSPECIFIED: 'MEDIA_CLASS_UNSPECIFIED',
  MEDIA_CLASS_HDD: 'MEDIA_CLASS_HDD',
  MEDIA_CLASS_SSD: 'MEDIA_CLASS_SSD',
  MEDIA_CLASS_NVME: 'MEDIA_CLASS_NVME',
} as const;

export type MediaClass =
  | 'MEDIA_CLASS_UNSPECIFIED'
  | 0
  | 'MEDIA_CLASS_HDD'
  | 1
  | 'MEDIA_CLASS_SSD'
  | 2
  | 'MEDIA_CLASS_NVME'
  | 3

export type MediaClass__Output = typeof MediaClass[keyof typeof MediaClass]
